import type { Subscription } from "@socketpot/contracts";
import type { ClientEventHandler, Feature, FeatureDeps } from "./feature";
import { createChatFeature } from "./chat";
import { createDepositsFeature } from "./deposits";
import { createBetsFeature } from "./bets";

export type { ClientEventHandler, Feature, FeatureDeps, FeatureJoin, SessionInfo } from "./feature";

/** Every subscription the gateway serves, each created by its feature's folder. */
const FEATURES: ReadonlyArray<(deps: FeatureDeps) => Feature> = [createChatFeature, createDepositsFeature, createBetsFeature];

/** The gateway's features, by subscription and by client event. */
export class FeatureSet {
  private readonly bySubscription = new Map<Subscription, Feature>();
  private readonly byEvent = new Map<string, { feature: Feature; handler: ClientEventHandler }>();
  /** Every client event name, `auth` first (for client_error texts). */
  readonly eventNames: readonly string[];

  constructor(private readonly features: readonly Feature[]) {
    for (const feature of features) {
      this.bySubscription.set(feature.subscription, feature);
      for (const [event, handler] of Object.entries(feature.clientEvents ?? {})) {
        if (event === "auth" || this.byEvent.has(event)) throw new Error(`client event ${event} is served twice`);
        this.byEvent.set(event, { feature, handler });
      }
    }
    this.eventNames = ["auth", ...this.byEvent.keys()];
  }

  get(subscription: Subscription): Feature {
    const feature = this.bySubscription.get(subscription);
    if (!feature) throw new Error(`no feature serves ${subscription}`);
    return feature;
  }

  clientEvent(event: string): { feature: Feature; handler: ClientEventHandler } | undefined {
    return this.byEvent.get(event);
  }

  /** Closes every feature, the last created first. */
  async close(): Promise<void> {
    for (const feature of [...this.features].reverse()) await feature.close?.();
  }
}

export function createFeatures(deps: FeatureDeps): FeatureSet {
  return new FeatureSet(FEATURES.map((create) => create(deps)));
}
