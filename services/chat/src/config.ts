import { z } from "zod";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";

/** Chat service settings; every default is explained in docs/CHAT.md. */
export const ChatEnv = z
  .object({
    ...CommonEnv,
    DATABASE_URL: z.string().default("postgresql://postgres@127.0.0.1:5432/socketpot"),
    /** Create the database and apply migrations at start (dev and tests; production runs `migrate deploy`). */
    CHAT_MIGRATE_ON_START: z
      .enum(["true", "false", "1", "0"])
      .default("false")
      .transform((v) => v === "true" || v === "1"),
    CHAT_DB_POOL_MAX: envInt(1, 200).default(10),
    /** `/mute <uname>` without a duration. */
    CHAT_DEFAULT_MUTE_SECONDS: envInt(1, 365 * 86_400).default(600),
    /** Longest mute a command may ask for. */
    CHAT_MAX_MUTE_SECONDS: envInt(1, 10 * 365 * 86_400).default(30 * 86_400),
    /** Flood control: at most COUNT posts per user per WINDOW_MS (0 disables). */
    CHAT_RATE_LIMIT_COUNT: envInt(0, 10_000).default(5),
    CHAT_RATE_LIMIT_WINDOW_MS: envInt(100, 3_600_000).default(10_000),
    /**
     * Posting under load, per replica: at most CONCURRENCY posts run and QUEUE wait; one user
     * holds at most PER_USER of them. Any other post is answered at once (RATE_LIMITED for
     * that user, INTERNAL_ERROR when full) instead of growing memory and delaying everyone.
     */
    CHAT_POST_CONCURRENCY: envInt(1, 1_000).default(16),
    CHAT_POST_QUEUE: envInt(0, 100_000).default(200),
    CHAT_POST_PER_USER: envInt(1, 1_000).default(3),
    /** How long a user whose last socket left stays in the userlist before user_left. */
    CHAT_PRESENCE_LINGER_MS: envInt(0, 600_000).default(4_000),
    /** A gateway silent for this many heartbeat intervals is dead. */
    CHAT_GATEWAY_MISSED_BEATS: envInt(2, 100).default(3),
    /** After start or a database outage, wait this long before declaring gateways dead. */
    CHAT_GATEWAY_GRACE_MS: envInt(0, 600_000).default(6_000),
    /** How often each replica looks for leavers and dead gateways. */
    CHAT_REAP_INTERVAL_MS: envInt(50, 60_000).default(1_000),
  })
  .superRefine((c, ctx) => {
    if (c.CHAT_DEFAULT_MUTE_SECONDS > c.CHAT_MAX_MUTE_SECONDS) {
      ctx.addIssue({ code: "custom", path: ["CHAT_DEFAULT_MUTE_SECONDS"], message: "must not exceed CHAT_MAX_MUTE_SECONDS" });
    }
  });
export type ChatConfig = z.output<typeof ChatEnv>;

export const loadChatConfig = (env: Record<string, string | undefined> = process.env) => loadConfig("chat", ChatEnv, env);
