import { DEFAULT_RECENT_BETS, betsOf } from "@socketpot/contracts";
import { deliverEvery } from "../../relay/delivery-policy";
import type { Feature, FeatureDeps, SessionInfo } from "../feature";
import { RecentBetsCache, type RecentBetsSnapshot } from "./recent-bets-cache";

/**
 * How long auth waits for the app's recent bets. Only the bet-stream replica holding the
 * app answers; during a handover nobody does, and the response goes without `bets` rather
 * than making the auth slow.
 */
export const BETS_RECENT_DEADLINE_MS = 1_000;

/**
 * BETS: the app's sampled bet feed (bet-stream publishes it on `names.fanout.bets`), and in
 * the auth response the app's recent interesting bets, newest last (`bets`, absent when
 * bet-stream did not answer), served from the feature's RecentBetsCache, which follows what
 * the gateway relays to each room. A missing bet-stream never fails the auth.
 */
export function createBetsFeature({ names, rpcs, rpc, relay, config }: FeatureDeps): Feature {
  const cache = new RecentBetsCache({ isRelaying: (room) => relay.isRelaying(room), retryMs: config.BETS_RECENT_RETRY_MS });
  relay.handle("bets", {
    policy: deliverEvery,
    delivered: (room, message) => {
      for (const bet of betsOf(message)) cache.record(room, bet);
    },
    roomClosed: (room) => cache.forget(room),
  });

  async function fetchRecentBets(session: SessionInfo): Promise<RecentBetsSnapshot> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), BETS_RECENT_DEADLINE_MS);
    });
    try {
      const reply = await Promise.race([rpc.call(rpcs.betsRecent, { app_id: session.app.id }), deadline]);
      if (reply === "deadline") {
        session.log.warn("recent bets not available in time");
        return undefined;
      }
      if (!reply.ok) {
        session.log.warn({ error: reply.error }, "recent bets not available");
        return undefined;
      }
      return { bets: reply.result.bets, limit: reply.result.limit ?? DEFAULT_RECENT_BETS };
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    subscription: "BETS",
    needsUser: false,
    async join(session) {
      const room = names.fanout.bets(session.app.id);
      const bets = await cache.get(room, () => fetchRecentBets(session));
      return { ok: true, result: { response: bets === undefined ? {} : { bets }, rooms: [{ family: "bets", subject: room }] } };
    },
  };
}
