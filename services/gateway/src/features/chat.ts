import { NewMessageRequest } from "@socketpot/contracts";
import { defineClientEvent, type GatewayFeature } from "./feature";

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
    await ctx.rpc.call(ctx.rpcs.chatLeave, {
      app_id: ctx.app.id,
      gateway_id: ctx.gatewayId,
      socket_id: ctx.socketId,
      user: ctx.user,
    });
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
