import { Svcm, type Service } from "@nats-io/services";
import type { NatsConnection } from "@nats-io/transport-node";

export type { Service };

export interface ServiceIdentity {
  name: string;
  version: string;
  description: string;
}

/**
 * Register a NATS micro service: answers `$SRV.PING|INFO|STATS` for discovery and
 * monitoring; endpoints added to it share the service's queue group.
 */
export function registerService(nc: NatsConnection, id: ServiceIdentity, namespace: string): Promise<Service> {
  return new Svcm(nc).add({
    name: `socketpot-${id.name}`,
    version: id.version,
    description: id.description,
    metadata: { namespace },
  });
}
