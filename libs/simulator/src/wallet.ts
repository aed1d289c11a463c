/**
 * Wallet events as Moneypot's wallet services publish them (CLI, demo, tests, benchmarks):
 * validated, JetStream publish to the user's subject, `Nats-Msg-Id` = `event_id`.
 */
import { randomBytes } from "node:crypto";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { encode, WalletEvent, type Names } from "@socketpot/contracts";

export async function publishWalletEvent(js: JetStreamClient, names: Names, event: WalletEvent): Promise<PubAck> {
  const parsed = WalletEvent.parse(event);
  return js.publish(names.upstream.wallet(parsed.app_id, parsed.auth_id), encode(parsed), { msgID: parsed.event_id });
}

export function randomTxid(): string {
  return randomBytes(32).toString("hex");
}

/** The two wallet events of one on-chain deposit: seen in the mempool, then confirmed. */
export function depositEvents(input: {
  appId: number;
  authId: number;
  amount: number;
  /** Confirmed balance after the deposit confirms. */
  balanceAfter: number;
  txid?: string;
  vout?: number;
}): { seen: WalletEvent; confirmed: WalletEvent } {
  const txid = input.txid ?? randomTxid();
  const vout = input.vout ?? 0;
  const base = { app_id: input.appId, auth_id: input.authId, txid, vout, amount: input.amount };
  return {
    seen: WalletEvent.parse({ ...base, type: "deposit_seen", event_id: `dep-${txid}-${vout}-seen` }),
    confirmed: WalletEvent.parse({
      ...base,
      type: "deposit_confirmed",
      event_id: `dep-${txid}-${vout}-confirmed`,
      balance_after: input.balanceAfter,
    }),
  };
}
