import type { Subscription } from "@socketpot/contracts";
import type { GatewayFeature } from "./feature";
import { chatFeature } from "./chat";
import { depositsFeature } from "./deposits";
import { betsFeature } from "./bets";

export type { GatewayFeature } from "./feature";

/** Every subscription the gateway serves, in the order auth sets them up. */
export const features: Record<Subscription, GatewayFeature> = {
  CHAT: chatFeature,
  DEPOSITS: depositsFeature,
  BETS: betsFeature,
};
