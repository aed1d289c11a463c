import { z } from "zod";

/**
 * Payload of `unconfirmed_balance_change`, `balance_change` and `confirmed_deposit_change`.
 * `seq` (Socketpot addition) numbers the notifications of one user in one app: 1, 2, 3, ...
 * without gaps, assigned by the ledger. A confirmed change is one notification emitted under
 * two names, so both events carry the same `seq`.
 */
export const BalanceChange = z.object({
  balance: z.number().int().nonnegative(),
  diff: z.number().int(),
  seq: z.number().int().positive(),
});
export type BalanceChange = z.infer<typeof BalanceChange>;
