import { z } from "zod";
import { DEFAULT_RECENT_BETS } from "@socketpot/contracts";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";

/** bet-stream configuration, from the environment (see docs/BETS.md). */
export const BetStreamEnv = z
  .object({
    ...CommonEnv,
    /** Bets per app per second sent to clients, jackpots aside. */
    BETS_RATE_PER_SECOND: envInt(1, 10_000).default(10),
    /** Sampling window: the longest a bet waits before it is sent. */
    BETS_WINDOW_MS: envInt(10, 1_000).default(250),
    /** Emitted bets each app remembers for late joiners (AuthResponse `bets`). */
    BETS_RECENT: envInt(0, 1_000).default(DEFAULT_RECENT_BETS),
    /** A bet winning at least this many satoshis is a jackpot (never dropped). */
    BETS_JACKPOT_PROFIT: envInt(1, Number.MAX_SAFE_INTEGER).default(10_000_000),
    /** A bet paying at least this multiple of its wager is a jackpot; 0 disables. */
    BETS_JACKPOT_MULTIPLIER: envInt(0, 1_000_000_000).default(1_000),
    /** Apps are spread over this many partitions (app_id % P); every replica must agree. */
    BETS_PARTITIONS: envInt(1, 4_096).default(16),
    /** Partition lease lifetime: a killed replica's apps move after about this long. */
    BETS_LEASE_TTL_MS: envInt(1_000, 600_000).default(3_000),
    /** How often a replica renews its leases and rebalances. */
    BETS_LEASE_RENEW_MS: envInt(100, 300_000).default(1_000),
    /** Forget an app's state (recent bets included) after this long without bets. */
    BETS_APP_IDLE_MS: envInt(1_000, 7 * 24 * 3_600_000).default(3_600_000),
    /** Invalid upstream bets logged per minute at most (all are counted). */
    BETS_INVALID_LOGS_PER_MINUTE: envInt(0, 100_000).default(20),
    /** Identifies this replica in the lease bucket; random per process when unset. */
    BETS_REPLICA_ID: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.BETS_LEASE_RENEW_MS * 2 > c.BETS_LEASE_TTL_MS) {
      ctx.addIssue({ code: "custom", path: ["BETS_LEASE_RENEW_MS"], message: "must be at most half of BETS_LEASE_TTL_MS" });
    }
  });
export type BetStreamConfig = z.output<typeof BetStreamEnv>;

export const loadBetStreamConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("bet-stream", BetStreamEnv, env);
