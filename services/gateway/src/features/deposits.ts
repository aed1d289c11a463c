import type { GatewayFeature } from "./feature";

/** DEPOSITS: the user's balance notifications in this app (wallet-watcher publishes them). */
export const depositsFeature: GatewayFeature = {
  subscription: "DEPOSITS",
  requiresUser: true,
  async onAuth(ctx) {
    if (!ctx.user) return { ok: false, error: "LOGIN_REQUIRED" };
    return {
      ok: true,
      result: { rooms: [{ family: "deposits", subject: ctx.names.fanout.deposits(ctx.app.id, ctx.user.auth_id) }] },
    };
  },
};
