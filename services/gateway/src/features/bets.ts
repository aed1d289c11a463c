import type { GatewayFeature } from "./feature";

/** BETS: the app's sampled bet feed (bet-stream publishes it). */
export const betsFeature: GatewayFeature = {
  subscription: "BETS",
  requiresUser: false,
  async onAuth(ctx) {
    return { ok: true, result: { rooms: [{ family: "bets", subject: ctx.names.fanout.bets(ctx.app.id) }] } };
  },
};
