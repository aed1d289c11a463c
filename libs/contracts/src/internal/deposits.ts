/**
 * What a gateway reads of wallet-watcher's per-user ledger (KV bucket
 * `names.depositLedgerBucket`, key `depositLedgerKey`) for the auth snapshot: the unconfirmed
 * balance, the number of notifications produced, and the outbox (committed notifications, not
 * yet published or published since the last save). The ledger holds more; this view ignores it.
 */
import { z } from "zod";

export function depositLedgerKey(appId: number, authId: number): string {
  return `${appId}.${authId}`;
}

export const DepositLedgerView = z.object({
  unconfirmed: z.number().int().nonnegative(),
  produced: z.number().int().nonnegative(),
  outbox: z.array(z.unknown()),
});
export type DepositLedgerView = z.infer<typeof DepositLedgerView>;
