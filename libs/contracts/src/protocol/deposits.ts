import { z } from "zod";

/** Payload of `unconfirmed_balance_change`, `balance_change` and `confirmed_deposit_change`. */
export const BalanceChange = z.object({
  balance: z.number().int().nonnegative(),
  diff: z.number().int(),
});
export type BalanceChange = z.infer<typeof BalanceChange>;
