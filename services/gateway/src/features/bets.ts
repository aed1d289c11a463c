import { DEFAULT_RECENT_BETS } from "@socketpot/contracts";
import type { RecentBetsSnapshot } from "../recent-bets";
import type { GatewayFeature, SessionContext } from "./feature";

/**
 * How long auth waits for the app's recent bets. Only the bet-stream replica holding the
 * app answers; during a handover nobody does, and the response goes without `bets` rather
 * than making the auth slow.
 */
export const BETS_RECENT_DEADLINE_MS = 1_000;

async function fetchRecentBets(ctx: SessionContext): Promise<RecentBetsSnapshot> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), BETS_RECENT_DEADLINE_MS);
  });
  try {
    const reply = await Promise.race([ctx.rpc.call(ctx.rpcs.betsRecent, { app_id: ctx.app.id }), deadline]);
    if (reply === "deadline") {
      ctx.log.warn({ app_id: ctx.app.id }, "recent bets not available in time");
      return undefined;
    }
    if (!reply.ok) {
      ctx.log.warn({ app_id: ctx.app.id, error: reply.error }, "recent bets not available");
      return undefined;
    }
    return { bets: reply.result.bets, limit: reply.result.limit ?? DEFAULT_RECENT_BETS };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * BETS: the app's sampled bet feed (bet-stream publishes it on `names.fanout.bets`), and
 * in the auth response the app's recent interesting bets, newest last (`bets`, absent when
 * bet-stream did not answer), served from the gateway's RecentBetsCache. A missing
 * bet-stream never fails the auth: the socket still joins the feed.
 */
export const betsFeature: GatewayFeature = {
  subscription: "BETS",
  requiresUser: false,
  async onAuth(ctx) {
    const room = ctx.names.fanout.bets(ctx.app.id);
    const bets = await ctx.recentBets.get(room, () => fetchRecentBets(ctx));
    return {
      ok: true,
      result: {
        response: bets === undefined ? {} : { bets },
        rooms: [{ family: "bets", subject: room }],
      },
    };
  },
};
