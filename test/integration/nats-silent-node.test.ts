/**
 * A NATS node that goes silent (SIGSTOP: its connections stay open and nothing is answered,
 * as when its host hangs or a partition cuts it off) is left by a service's connection
 * (service-kit's connectNats) for another node of NATS_URL within NATS_SILENCE_DETECTION_MS,
 * rather than after the client's default two minutes of pings.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { pino } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { NATS_SILENCE_DETECTION_MS, connectNats } from "@socketpot/service-kit";
import { startNatsCluster, type NatsCluster } from "../support/nats-cluster";

let cluster: NatsCluster;
let nc: NatsConnection | undefined;

beforeAll(async () => {
  cluster = await startNatsCluster(3);
}, 60_000);

afterAll(async () => {
  await nc?.close().catch(() => undefined);
  await cluster?.stop();
});

it("leaves a silent node for another one within NATS_SILENCE_DETECTION_MS", async () => {
  nc = await connectNats(cluster.urls, "silent-node-test", pino({ level: "silent" }));
  const connection = nc;
  const first = connection.getServer();
  const node = cluster.nodes.find((n) => first.endsWith(`:${n.port}`));
  expect(node, `connected to ${first}`).toBeDefined();
  const reconnected = (async () => {
    for await (const s of connection.status()) if (s.type === "reconnect") return Date.now();
    return undefined;
  })();
  const t0 = Date.now();
  cluster.pause(node!.name);
  try {
    const timeout = new Promise<undefined>((r) => setTimeout(() => r(undefined), NATS_SILENCE_DETECTION_MS + 15_000));
    const at = await Promise.race([reconnected, timeout]);
    expect(at, `no reconnect within ${NATS_SILENCE_DETECTION_MS + 15_000} ms`).toBeDefined();
    console.log(`silent node left after ${at! - t0} ms`);
    expect(connection.getServer()).not.toBe(first);
    await connection.flush();
  } finally {
    cluster.resume(node!.name);
  }
}, 120_000);
