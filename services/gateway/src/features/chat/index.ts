import { NewMessageRequest } from "@socketpot/contracts";
import { deliverEvery } from "../../relay/delivery-policy";
import { defineClientEvent, type Feature, type FeatureDeps, type SessionInfo } from "../feature";
import { LeaveRetries } from "./leave-retry";

/** CHAT: history, userlist and presence from the chat service; posting; live chat events. */
export function createChatFeature({ gatewayId, names, rpcs, rpc, relay, config, stopping }: FeatureDeps): Feature {
  const retries = new LeaveRetries(config.CHAT_LEAVE_RETRY_MAX_MS);
  relay.handle("chat", { policy: deliverEvery });
  const presence = (s: SessionInfo) => ({ app_id: s.app.id, gateway_id: gatewayId, socket_id: s.socketId });

  return {
    subscription: "CHAT",
    needsUser: false,
    async join(session) {
      const reply = await rpc.call(rpcs.chatJoin, { ...presence(session), user: session.user });
      if (!reply.ok) return reply;
      return {
        ok: true,
        result: { response: { chat: reply.result.chat }, rooms: [{ family: "chat", subject: names.fanout.chat(session.app.id) }] },
      };
    },
    async leave(session) {
      if (!session.user) return;
      const request = { ...presence(session), user: session.user };
      // A lost leave would keep the user in the userlist until this gateway dies: while chat
      // is unavailable, retry until it takes the leave (leaving twice is harmless).
      for (let failures = 0; ; ) {
        const reply = await rpc.call(rpcs.chatLeave, request);
        if (reply.ok) return;
        if (reply.error !== "INTERNAL_ERROR" || stopping()) {
          session.log.warn({ error: reply.error }, "chat leave failed");
          return;
        }
        failures++;
        if (failures === 1) session.log.warn("chat did not take a leave; retrying until it does");
        if (!(await retries.wait(failures)) || stopping()) return;
      }
    },
    clientEvents: {
      new_message: defineClientEvent({
        schema: NewMessageRequest,
        needsUser: true,
        async handle(session, payload) {
          const reply = await rpc.call(rpcs.chatPost, { app_id: session.app.id, user: session.user!, channel: payload.channel, text: payload.text });
          return reply.ok ? { ok: true, result: reply.result.message } : reply;
        },
      }),
    },
    close: () => retries.close(),
  };
}
