import type { NatsConnection } from "@nats-io/transport-node";
import { Svcm } from "@nats-io/services";

/** True when a NATS micro service of that name answers INFO in this namespace. */
export async function servicePresent(nc: NatsConnection, name: string, namespace: string): Promise<boolean> {
  const client = new Svcm(nc).client({ strategy: "timer", maxWait: 500 });
  try {
    for await (const info of await client.info(name)) {
      if (info.metadata?.namespace === namespace) return true;
    }
  } catch {
    // no responders: no instance of that service runs anywhere
  }
  return false;
}
