import { z } from "zod";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";

export const WalletWatcherEnv = z
  .object({
    ...CommonEnv,
    /** Messages processed at once by this replica (different users run in parallel). */
    WALLET_CONCURRENCY: envInt(1, 1024).default(32),
    /** The server redelivers an unacknowledged event after this long. */
    WALLET_ACK_WAIT_MS: envInt(500, 3_600_000).default(30_000),
    /** Unacknowledged events out at once across every replica (durable consumer setting). */
    WALLET_MAX_ACK_PENDING: envInt(1, 1_000_000).default(1_000),
    /** Upstream stream duplicate window (`Nats-Msg-Id` dedupe), used when creating the stream. */
    WALLET_DUPLICATE_WINDOW_MS: envInt(1_000, 86_400_000).default(120_000),
    /** How long the upstream and dead-letter streams keep events, used when creating them. */
    WALLET_MAX_AGE_MS: envInt(60_000, 365 * 86_400_000).default(7 * 86_400_000),
    /** Event ids remembered per user to drop redeliveries. */
    WALLET_APPLIED_HORIZON: envInt(16, 100_000).default(500),
    /** Settled deposits remembered per user to drop late or repeated deposit events. */
    WALLET_SETTLED_HORIZON: envInt(16, 100_000).default(500),
    /**
     * A user's event held back for an earlier one that long is applied anyway (the earlier
     * one is not in flight). Default: twice the ack wait plus 5 s.
     */
    WALLET_ORDER_STALL_MS: envInt(1_000, 86_400_000).optional(),
    /** How long `stop()` waits for in-flight events before giving up on them (they are redelivered). */
    WALLET_STOP_DEADLINE_MS: envInt(100, 600_000).default(5_000),
  })
  .superRefine((c, ctx) => {
    if (c.WALLET_MAX_ACK_PENDING < c.WALLET_CONCURRENCY) {
      ctx.addIssue({ code: "custom", path: ["WALLET_MAX_ACK_PENDING"], message: "must be at least WALLET_CONCURRENCY" });
    }
    if (c.WALLET_ORDER_STALL_MS !== undefined && c.WALLET_ORDER_STALL_MS <= c.WALLET_ACK_WAIT_MS) {
      ctx.addIssue({ code: "custom", path: ["WALLET_ORDER_STALL_MS"], message: "must exceed WALLET_ACK_WAIT_MS" });
    }
    if (c.WALLET_DUPLICATE_WINDOW_MS > c.WALLET_MAX_AGE_MS) {
      ctx.addIssue({ code: "custom", path: ["WALLET_DUPLICATE_WINDOW_MS"], message: "must not exceed WALLET_MAX_AGE_MS" });
    }
  });
export type WalletWatcherConfig = z.output<typeof WalletWatcherEnv>;

export const loadWalletWatcherConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("wallet-watcher", WalletWatcherEnv, env);
