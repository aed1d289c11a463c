/**
 * Readiness: every service's composition root exposes `ready(): Promise<boolean>` (true
 * while it can do its job), built from named checks so that a service adds its own (a
 * database, a stream, a lease) next to the NATS one.
 */
import type { NatsConnection } from "@nats-io/transport-node";

export type ReadinessCheck = () => Promise<boolean> | boolean;

/** True when a round trip to the NATS server completes within `timeoutMs`. */
export async function natsReady(nc: NatsConnection, timeoutMs = 2_000): Promise<boolean> {
  if (nc.isClosed() || nc.isDraining()) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([nc.flush().then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Ready when every check passes; a check that throws counts as not ready. */
export function readiness(checks: Record<string, ReadinessCheck>): () => Promise<boolean> {
  return async () => {
    const results = await Promise.all(
      Object.values(checks).map(async (check) => {
        try {
          return Boolean(await check());
        } catch {
          return false;
        }
      }),
    );
    return results.every(Boolean);
  };
}
