/**
 * A stand-in for the chat service on real NATS: joins and leaves succeed with an empty
 * chat, and each post is handed to `onPost` (which answers it with `reply`, or holds it).
 */
import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { encode, type Names } from "@socketpot/contracts";

const ok = (result: unknown) => encode({ ok: true, result });
const message = { id: 1, channel: "lobby", text: "hi", created_at: new Date().toISOString(), user: { uname: "x", auth_id: 1, role: "MEMBER" } };

export interface ChatStandIn {
  /** Answers a held post as chat would. */
  reply(m: Msg): void;
  stop(): void;
}

export async function startChatStandIn(nc: NatsConnection, names: Names, onPost: (m: Msg, reply: (m: Msg) => void) => void): Promise<ChatStandIn> {
  const reply = (m: Msg) => void m.respond(ok({ message }));
  const subs = [
    nc.subscribe(names.rpc.chatJoin, { callback: (_e, m) => void m.respond(ok({ chat: { messages: [], userlist: {} } })) }),
    nc.subscribe(names.rpc.chatLeave, { callback: (_e, m) => void m.respond(ok({})) }),
    nc.subscribe(names.rpc.chatPost, { callback: (_e, m) => onPost(m, reply) }),
  ];
  await nc.flush();
  return { reply, stop: () => subs.forEach((s) => s.unsubscribe()) };
}
