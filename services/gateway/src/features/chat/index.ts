import { NewMessageRequest, type ChatFanout } from "@socketpot/contracts";
import { recentIds } from "../../relay/delivery-policy";
import { RecentIds } from "../../relay/recent-ids";
import { defineClientEvent, type Feature, type FeatureDeps, type SessionInfo } from "../feature";
import { LeaveRetries } from "./leave-retry";
import { resyncChat, type ChatRoom, type HistoryPage } from "./resync";

/**
 * CHAT: history, userlist and presence from the chat service; posting; live chat events.
 * Each room drops a copy of a message it relayed lately (by message id); when the gateway's
 * NATS connection comes back, each room gets from chat's history the messages published
 * while it was down (resync.ts).
 */
export function createChatFeature({ gatewayId, names, rpcs, rpc, relay, resync, config, log, stopping }: FeatureDeps): Feature {
  const retries = new LeaveRetries(config.CHAT_LEAVE_RETRY_MAX_MS);
  /** Where a room not yet relayed starts (the newest id its first socket's history had), and its app. */
  const starts = new Map<string, { floor: number; appId: number }>();
  const rooms = new Map<string, ChatRoom>();
  relay.handle("chat", {
    policy: recentIds(
      (m: ChatFanout) => (m.type === "new_message" ? m.message.id : undefined),
      (room) => {
        const start = starts.get(room);
        starts.delete(room);
        const ids = new RecentIds(start?.floor ?? 0);
        if (start) rooms.set(room, { appId: start.appId, ids });
        return ids;
      },
    ),
    roomClosed: (room) => rooms.delete(room),
  });
  const page: HistoryPage = async (appId, beforeId, limit) => {
    const reply = await rpc.call(rpcs.chatHistory, { app_id: appId, before_id: beforeId, limit });
    if (!reply.ok) throw new Error(`chat history: ${reply.error}`);
    return reply.result.messages;
  };
  resync.onReconnect("chat", async () => {
    const outcome = await resyncChat({ relay, page, rooms, log });
    if (outcome.delivered > 0 || outcome.failed > 0) log.info(outcome, "chat resynced");
  });
  const presence = (s: SessionInfo) => ({ app_id: s.app.id, gateway_id: gatewayId, socket_id: s.socketId });

  return {
    subscription: "CHAT",
    needsUser: false,
    async join(session) {
      const reply = await rpc.call(rpcs.chatJoin, { ...presence(session), user: session.user });
      if (!reply.ok) return reply;
      const room = names.fanout.chat(session.app.id);
      if (!relay.isRelaying(room)) {
        const newest = Math.max(0, ...reply.result.chat.messages.map((m) => m.id));
        starts.set(room, { floor: Math.max(starts.get(room)?.floor ?? 0, newest), appId: session.app.id });
      }
      return {
        ok: true,
        result: { response: { chat: reply.result.chat }, rooms: [{ family: "chat", subject: room }] },
      };
    },
    async leave(session) {
      const room = names.fanout.chat(session.app.id);
      if (!relay.isRelaying(room)) starts.delete(room);
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
