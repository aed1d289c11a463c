import { z } from "zod";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";
import { MAX_SUPPLY_SATOSHIS } from "./ledger";

/**
 * Largest JSON size of one stored ledger entry of each kind (longest event id, txid:vout and
 * amounts), and of the rest of the state: with the limits below, a state stays under
 * `MAX_LEDGER_BYTES`, well within NATS's default 1 MiB message.
 */
const PENDING_ENTRY_BYTES = 280;
const APPLIED_ENTRY_BYTES = 131;
const SETTLED_ENTRY_BYTES = 115;
const STATE_OVERHEAD_BYTES = 16 * 1024;
export const MAX_LEDGER_BYTES = 900 * 1024;

export const ledgerBytesBound = (c: { WALLET_MAX_PENDING: number; WALLET_APPLIED_HORIZON: number; WALLET_SETTLED_HORIZON: number }) =>
  c.WALLET_MAX_PENDING * PENDING_ENTRY_BYTES +
  c.WALLET_APPLIED_HORIZON * APPLIED_ENTRY_BYTES +
  c.WALLET_SETTLED_HORIZON * SETTLED_ENTRY_BYTES +
  STATE_OVERHEAD_BYTES;

export const WalletWatcherEnv = z
  .object({
    ...CommonEnv,
    /** Messages processed at once by this replica (different users run in parallel). */
    WALLET_CONCURRENCY: envInt(1, 1024).default(32),
    /**
     * The server redelivers an unacknowledged event after this long: what a SIGKILLed replica
     * had in flight is notified this long after the kill. Events being processed or held
     * are kept alive meanwhile (`working()` every third of it).
     */
    WALLET_ACK_WAIT_MS: envInt(500, 3_600_000).default(4_000),
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
    /** How long the deposits stream keeps a user's notifications for replay after a reconnect. */
    WALLET_NOTIFICATIONS_MAX_AGE_MS: envInt(60_000, 365 * 86_400_000).default(86_400_000),
    /** Notifications kept per user for replay (the newest); at least 1. */
    WALLET_NOTIFICATIONS_PER_USER: envInt(1, 1_000_000).default(1_000),
    /** Pending (seen, not yet confirmed or dropped) deposits per user; a deposit beyond is dead-lettered. */
    WALLET_MAX_PENDING: envInt(1, 3_000).default(1_000),
    /**
     * The largest deposit, adjustment, balance and unconfirmed total (satoshis) a wallet event
     * may carry or lead to; beyond, it is dead-lettered. Default: 21 million BTC.
     */
    WALLET_MAX_AMOUNT: envInt(1, Number.MAX_SAFE_INTEGER).default(MAX_SUPPLY_SATOSHIS),
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
    if (ledgerBytesBound(c) > MAX_LEDGER_BYTES) {
      ctx.addIssue({
        code: "custom",
        path: ["WALLET_MAX_PENDING"],
        message: `with WALLET_APPLIED_HORIZON and WALLET_SETTLED_HORIZON a ledger could reach ${ledgerBytesBound(c)} bytes, more than ${MAX_LEDGER_BYTES}`,
      });
    }
    if (c.WALLET_DUPLICATE_WINDOW_MS > c.WALLET_MAX_AGE_MS) {
      ctx.addIssue({ code: "custom", path: ["WALLET_DUPLICATE_WINDOW_MS"], message: "must not exceed WALLET_MAX_AGE_MS" });
    }
  });
export type WalletWatcherConfig = z.output<typeof WalletWatcherEnv>;

export const loadWalletWatcherConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("wallet-watcher", WalletWatcherEnv, env);
