import { Svcm, type Service } from "@nats-io/services";
import type { NatsConnection } from "@nats-io/transport-node";

export type { Service };

export interface ServiceIdentity {
  name: string;
  version: string;
  description: string;
}

export interface ServiceOptions {
  /** Added to the service's metadata beside its namespace. */
  metadata?: Record<string, string>;
  /** What `$SRV.STATS` reports as each endpoint's data. */
  statsHandler?: () => Promise<unknown>;
  /**
   * Every instance hears every request (no queue group): for state split between instances,
   * whose endpoints then use serveRpc's `answers` so that one instance replies.
   */
  everyInstance?: boolean;
}

/**
 * Register a NATS micro service: answers `$SRV.PING|INFO|STATS` for discovery and
 * monitoring; endpoints added to it share the service's queue group (none with `everyInstance`).
 */
export function registerService(nc: NatsConnection, id: ServiceIdentity, namespace: string, options: ServiceOptions = {}): Promise<Service> {
  return new Svcm(nc).add({
    name: `socketpot-${id.name}`,
    version: id.version,
    description: id.description,
    metadata: { ...options.metadata, namespace },
    ...(options.statsHandler ? { statsHandler: options.statsHandler } : {}),
    // The library's default queue group is "q"; an empty one subscribes without a group.
    ...(options.everyInstance ? { queue: "" } : {}),
  });
}
