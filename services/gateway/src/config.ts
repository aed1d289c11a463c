import { z } from "zod";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";

export const GatewayEnv = z
  .object({
    ...CommonEnv,
    PORT: envInt(0, 65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    /** Identifies this replica in presence; random per process when unset. */
    GATEWAY_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
    AUTH_TIMEOUT_MS: envInt(100, 600_000).default(30_000),
    RPC_TIMEOUT_MS: envInt(50, 60_000).default(5_000),
    HEARTBEAT_INTERVAL_MS: envInt(100, 60_000).default(2_000),
    /** Largest client event accepted (bytes of the encoded frame); larger ones get client_error. */
    MAX_EVENT_BYTES: envInt(256, 1_000_000).default(16_384),
    /** Transport hard cap: frames above it close the connection (engine.io maxHttpBufferSize). */
    MAX_FRAME_BYTES: envInt(1_024, 10_000_000).default(100_000),
    /**
     * listen(2) backlog: connections the kernel queues while the process is busy, e.g. when
     * every client reconnects after a restart. Linux caps it at net.core.somaxconn.
     */
    LISTEN_BACKLOG: envInt(1, 65_535).default(4096),
    /**
     * After bet-stream did not answer for an app's recent bets, auths for that app get no
     * `bets` for this long instead of asking again (a storm of auths is not a storm of requests).
     */
    BETS_RECENT_RETRY_MS: envInt(0, 600_000).default(1_000),
    /**
     * A leave chat did not take (chat down) is retried, 1 s after the first attempt and
     * doubling up to this, until chat takes it or the gateway stops: a lost leave would
     * keep the user in the app's userlist.
     */
    CHAT_LEAVE_RETRY_MAX_MS: envInt(100, 600_000).default(30_000),
    /**
     * Edge limits (docs/PROTOCOL.md "Limits"), per socket and per user (all of a user's
     * sockets on this gateway): events and bytes per second as token buckets (rate and
     * burst; a rate of 0 turns that limit off) and concurrent unanswered events (0: off).
     */
    EDGE_SOCKET_EVENTS_PER_S: envInt(0, 1_000_000).default(10),
    EDGE_SOCKET_EVENTS_BURST: envInt(1, 1_000_000).default(20),
    EDGE_SOCKET_BYTES_PER_S: envInt(0, 1_000_000_000).default(65_536),
    EDGE_SOCKET_BYTES_BURST: envInt(1, 1_000_000_000).default(65_536),
    EDGE_SOCKET_PENDING: envInt(0, 100_000).default(8),
    EDGE_USER_EVENTS_PER_S: envInt(0, 1_000_000).default(20),
    EDGE_USER_EVENTS_BURST: envInt(1, 1_000_000).default(40),
    EDGE_USER_BYTES_PER_S: envInt(0, 1_000_000_000).default(262_144),
    EDGE_USER_BYTES_BURST: envInt(1, 1_000_000_000).default(262_144),
    EDGE_USER_PENDING: envInt(0, 100_000).default(32),
    /** A socket refused more often than this (rate and burst, sustained) is disconnected; 0: never. */
    EDGE_DISCONNECT_REFUSALS_PER_S: envInt(0, 1_000_000).default(50),
    EDGE_DISCONNECT_REFUSALS_BURST: envInt(1, 1_000_000).default(200),
    CORS_ORIGIN: z.string().default("*"),
    /** Where the demo page and static files live; empty to serve none. */
    PUBLIC_DIR: z.string().optional(),
    /** Development only: a JSON file served as `/demo.json` (demo app id and users for the demo page). */
    DEMO_FILE: z.string().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.MAX_EVENT_BYTES > c.MAX_FRAME_BYTES) {
      ctx.addIssue({ code: "custom", path: ["MAX_EVENT_BYTES"], message: "must not exceed MAX_FRAME_BYTES" });
    }
  });
export type GatewayConfig = z.output<typeof GatewayEnv>;

export const loadGatewayConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("gateway", GatewayEnv, env);
