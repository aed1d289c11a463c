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

const Seq = z.number().int().nonnegative();

/**
 * `AuthRequest.recover` (Socketpot addition): the `seq` of the last deposit notification the
 * client has; the socket then first receives every later one, in order, once.
 */
export const DepositsRecover = z.object(
  { deposits_seq: Seq },
  { error: "recover must be an object {deposits_seq: integer >= 0}" },
);
export type DepositsRecover = z.infer<typeof DepositsRecover>;

/**
 * `AuthResponse.deposits` (Socketpot addition, when DEPOSITS is granted): the user's
 * unconfirmed balance in this app and the `seq` of the last notification it reflects (0: none
 * yet). Notifications with a `seq` up to this one are already in `unconfirmed_balance`.
 * `recovered` answers a `recover`: true when every notification after `deposits_seq` follows,
 * false when some were past retention (the snapshot is then what the client trusts).
 */
export const DepositsSnapshot = z.object({
  unconfirmed_balance: z.number().int().nonnegative(),
  seq: Seq,
  recovered: z.boolean().optional(),
});
export type DepositsSnapshot = z.infer<typeof DepositsSnapshot>;
