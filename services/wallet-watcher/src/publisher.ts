/**
 * Publishing wallet events as Moneypot's wallet services do (CLI, tests, benchmarks):
 * validated, JetStream publish to the user's subject, `Nats-Msg-Id` = `event_id`.
 */
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { encode, WalletEvent, type Names } from "@socketpot/contracts";

export async function publishWalletEvent(js: JetStreamClient, names: Names, event: WalletEvent): Promise<PubAck> {
  const parsed = WalletEvent.parse(event);
  return js.publish(names.upstream.wallet(parsed.app_id, parsed.auth_id), encode(parsed), { msgID: parsed.event_id });
}
