import { depositSeq } from "@socketpot/contracts";
import { increasingSeq } from "../../relay/delivery-policy";
import type { Feature, FeatureDeps } from "../feature";

/** DEPOSITS: the user's balance notifications in this app (wallet-watcher publishes them). */
export function createDepositsFeature({ names, relay }: FeatureDeps): Feature {
  // A republished notification carries the seq it had: dropped however late it comes.
  relay.handle("deposits", { policy: increasingSeq(depositSeq) });
  return {
    subscription: "DEPOSITS",
    needsUser: true,
    async join(session) {
      if (!session.user) return { ok: false, error: "LOGIN_REQUIRED" };
      return {
        ok: true,
        result: {
          rooms: [
            {
              family: "deposits",
              subject: names.fanout.deposits(session.app.id, session.user.auth_id),
              // One subscription per app rather than per user: deposit notifications are few,
              // while a subscription per user costs memory and a round trip at every auth.
              subscription: names.fanout.depositsOfApp(session.app.id),
            },
          ],
        },
      };
    },
  };
}
