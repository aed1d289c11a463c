import { z } from "zod";
import { IsoDate } from "./common";
import { Payouts } from "./json";

export const BetKind = z.enum(["simple_dice", "plinko", "101_dice", "custom"]);
export type BetKind = z.infer<typeof BetKind>;

/** `new_bet` payload: the public fields of a Moneypot bet, enough to display and verify it. */
export const NewBet = z.object({
  id: z.number().int().positive(),
  uname: z.string(),
  kind: BetKind,
  wager: z.number().int().nonnegative(),
  profit: z.number().int(),
  outcome: z.number(),
  cond: z.enum(["<", ">"]).optional(),
  target: z.number().optional(),
  payouts: Payouts.optional(),
  created_at: IsoDate,
  client_seed: z.number().int().optional(),
  secret: z.number().int().optional(),
  salt: z.string().optional(),
});
export type NewBet = z.infer<typeof NewBet>;
