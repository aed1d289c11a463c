/**
 * Wallet events, published by Moneypot's wallet services to the JetStream stream
 * `names.upstream.walletStream` on `names.upstream.wallet(app_id, auth_id)`, with
 * `Nats-Msg-Id` set to `event_id`. Documented for publishers in docs/UPSTREAM-WALLET.md.
 * Bet results are not wallet events.
 */
import { z } from "zod";
import { AppId, AuthId, IsoDate } from "../protocol/common";

export const EventId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "event_id: 1-128 chars of A-Z a-z 0-9 _ . : -");
const Txid = z.string().regex(/^[0-9a-f]{64}$/, "txid: 64 lowercase hex chars");
const Satoshis = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Balance = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const base = {
  event_id: EventId,
  app_id: AppId,
  auth_id: AuthId,
  occurred_at: IsoDate.optional(),
};

export const DepositSeen = z.object({
  ...base,
  type: z.literal("deposit_seen"),
  txid: Txid,
  vout: z.number().int().nonnegative(),
  amount: Satoshis,
});

export const DepositConfirmed = z.object({
  ...base,
  type: z.literal("deposit_confirmed"),
  txid: Txid,
  vout: z.number().int().nonnegative(),
  amount: Satoshis,
  /** The user's confirmed balance in this app after the deposit. */
  balance_after: Balance,
});

export const DepositDropped = z.object({
  ...base,
  type: z.literal("deposit_dropped"),
  txid: Txid,
  vout: z.number().int().nonnegative(),
  reason: z.enum(["double_spent", "evicted"]),
});

export const BalanceAdjusted = z.object({
  ...base,
  type: z.literal("balance_adjusted"),
  reason: z.enum(["withdrawal", "transfer_in", "transfer_out", "correction"]),
  /** Signed change of the confirmed balance, satoshis. */
  amount: z.number().int().refine((n) => n !== 0, "amount must not be zero"),
  balance_after: Balance,
});

export const WalletEvent = z.discriminatedUnion("type", [DepositSeen, DepositConfirmed, DepositDropped, BalanceAdjusted]);
export type WalletEvent = z.infer<typeof WalletEvent>;
