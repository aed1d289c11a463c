import type { GatewayFeature } from "./feature";

/** DEPOSITS: the user's balance notifications in this app (wallet-watcher publishes them). */
export const depositsFeature: GatewayFeature = {
  subscription: "DEPOSITS",
  requiresUser: true,
  async onAuth(ctx) {
    if (!ctx.user) return { ok: false, error: "LOGIN_REQUIRED" };
    return {
      ok: true,
      result: {
        rooms: [
          {
            family: "deposits",
            subject: ctx.names.fanout.deposits(ctx.app.id, ctx.user.auth_id),
            // One subscription per app rather than per user: deposit notifications are few,
            // while a subscription per user costs memory and a round trip at every auth.
            subscription: ctx.names.fanout.depositsOfApp(ctx.app.id),
          },
        ],
      },
    };
  },
};
