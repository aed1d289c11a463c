import { NewMessageRequest } from "@socketpot/contracts";
import { defineClientEvent, type GatewayFeature } from "./feature";

const LEAVE_RETRY_FIRST_MS = 1_000;

/** Wait before the leave attempt after `failures` failed ones: 1 s, doubling, at most `maxMs`. */
export function leaveRetryDelayMs(failures: number, maxMs: number): number {
  return Math.min(maxMs, LEAVE_RETRY_FIRST_MS * 2 ** Math.min(Math.max(0, failures - 1), 30));
}

/** CHAT: history, userlist and presence from the chat service; posting; live chat events. */
export const chatFeature: GatewayFeature = {
  subscription: "CHAT",
  requiresUser: false,
  async onAuth(ctx) {
    const reply = await ctx.rpc.call(ctx.rpcs.chatJoin, {
      app_id: ctx.app.id,
      gateway_id: ctx.gatewayId,
      socket_id: ctx.socketId,
      user: ctx.user,
    });
    if (!reply.ok) return reply;
    return {
      ok: true,
      result: {
        response: { chat: reply.result.chat },
        rooms: [{ family: "chat", subject: ctx.names.fanout.chat(ctx.app.id) }],
      },
    };
  },
  async onDisconnect(ctx) {
    if (!ctx.user) return;
    const request = { app_id: ctx.app.id, gateway_id: ctx.gatewayId, socket_id: ctx.socketId, user: ctx.user };
    // A lost leave would keep the user in the userlist until this gateway dies: while chat
    // is unavailable, retry until it takes the leave (leaving twice is harmless). When the
    // gateway stops, its goodbye makes chat drop all of its sockets instead.
    for (let failures = 0; ; ) {
      const reply = await ctx.rpc.call(ctx.rpcs.chatLeave, request);
      if (reply.ok) return;
      if (reply.error !== "INTERNAL_ERROR" || ctx.gatewayStopping()) {
        ctx.log.warn({ error: reply.error }, "chat leave failed");
        return;
      }
      failures++;
      if (failures === 1) ctx.log.warn("chat did not take a leave; retrying until it does");
      // unref: a pending retry never keeps a stopping gateway's process alive.
      await new Promise((resolve) => setTimeout(resolve, leaveRetryDelayMs(failures, ctx.settings.chatLeaveRetryMaxMs)).unref());
      if (ctx.gatewayStopping()) return;
    }
  },
  clientEvents: {
    new_message: defineClientEvent({
      schema: NewMessageRequest,
      requireUser: true,
      async handle(ctx, payload) {
        const reply = await ctx.rpc.call(ctx.rpcs.chatPost, {
          app_id: ctx.app.id,
          user: ctx.user!,
          channel: payload.channel,
          text: payload.text,
        });
        return reply.ok ? { ok: true, result: reply.result.message } : reply;
      },
    }),
  },
};
