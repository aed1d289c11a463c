/**
 * The Moneypot bet object, published by Moneypot's betting services on
 * `names.upstream.bets(app_id)` (core NATS). Documented for publishers in docs/UPSTREAM-BETS.md.
 */
import { z } from "zod";
import { AppId, AuthId, IsoDate } from "../protocol/common";
import { BetKind, type NewBet } from "../protocol/bets";
import { Payouts } from "../protocol/json";
import { Uname } from "./directory";

/** The largest upstream bet message bet-stream accepts, in bytes; a larger one is invalid. */
export const MAX_BET_BYTES = 64 * 1024;

export const MoneypotBet = z.object({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  app_id: AppId,
  auth_id: AuthId,
  uname: Uname,
  kind: BetKind,
  wager: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  profit: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
  outcome: z.number().finite(),
  cond: z.enum(["<", ">"]).optional(),
  target: z.number().finite().optional(),
  payouts: Payouts.optional(),
  client_seed: z.number().int().optional(),
  secret: z.number().int().optional(),
  salt: z.string().max(128).optional(),
  created_at: IsoDate,
});
export type MoneypotBet = z.infer<typeof MoneypotBet>;

/** The public part of a bet that clients receive as `new_bet`. */
export function toNewBet(bet: MoneypotBet): NewBet {
  const out: NewBet = {
    id: bet.id,
    uname: bet.uname,
    kind: bet.kind,
    wager: bet.wager,
    profit: bet.profit,
    outcome: bet.outcome,
    created_at: bet.created_at,
  };
  if (bet.cond !== undefined) out.cond = bet.cond;
  if (bet.target !== undefined) out.target = bet.target;
  if (bet.payouts !== undefined) out.payouts = bet.payouts;
  if (bet.client_seed !== undefined) out.client_seed = bet.client_seed;
  if (bet.secret !== undefined) out.secret = bet.secret;
  if (bet.salt !== undefined) out.salt = bet.salt;
  return out;
}
