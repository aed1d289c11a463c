import { NewMessageRequest } from "@socketpot/contracts";
import { defineClientEvent, type GatewayFeature } from "./feature";

const LEAVE_RETRIES = 3;
const LEAVE_RETRY_DELAY_MS = 1_000;

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
    // A lost leave would keep the user in the userlist until this gateway dies: retry a
    // few times while chat is briefly unavailable (leaving twice is harmless).
    for (let attempt = 0; ; attempt++) {
      const reply = await ctx.rpc.call(ctx.rpcs.chatLeave, request);
      if (reply.ok || reply.error !== "INTERNAL_ERROR" || attempt >= LEAVE_RETRIES || ctx.gatewayStopping()) {
        if (!reply.ok) ctx.log.warn({ error: reply.error }, "chat leave failed");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, LEAVE_RETRY_DELAY_MS * (attempt + 1)));
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
