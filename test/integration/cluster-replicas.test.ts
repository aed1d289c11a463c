/**
 * SOCKETPOT_JS_REPLICAS on a real three-node NATS cluster: every stream and KV bucket the
 * services create gets that many replicas, and one created earlier with fewer is raised.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { createNames } from "@socketpot/contracts";
import { startBetStream, type RunningBetStream } from "../support/bet-stream";
import { startGateway, type RunningGateway } from "../support/gateway";
import { startNatsCluster, type NatsCluster } from "../support/nats-cluster";
import { uniqueNamespace } from "../support/nats";
import { waitFor } from "../support/clients";
import { startWalletWatcher, type RunningWatcher } from "../support/wallet";

let cluster: NatsCluster;
let nc: NatsConnection;
const stops: Array<() => Promise<void>> = [];

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  nc = await cluster.connect();
}, 60_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await nc?.close();
  await cluster?.stop();
});

describe("JetStream replicas", () => {
  it("creates every stream and bucket with SOCKETPOT_JS_REPLICAS=3 and raises one created with 1", async () => {
    const namespace = uniqueNamespace("rep");
    const names = createNames(namespace);
    // The directory as an earlier single-replica install (or the CLI) left it.
    await new Kvm(nc).create(names.directoryBucket, { history: 1 });
    const env = { SOCKETPOT_JS_REPLICAS: "3", NATS_URL: cluster.urls };
    const watcher: RunningWatcher = await startWalletWatcher(nc, cluster.urls, namespace, env);
    stops.push(() => watcher.stop());
    const gateway: RunningGateway = await startGateway(nc, namespace, env);
    stops.push(() => gateway.stop());
    const bets: RunningBetStream = await startBetStream(namespace, env);
    stops.push(() => bets.stop());

    const jsm = await jetstreamManager(nc);
    const listed = async () => {
      const replicas: Record<string, number> = {};
      for await (const s of jsm.streams.list()) {
        if (s.config.name.includes(namespace)) replicas[s.config.name] = s.config.num_replicas;
      }
      return replicas;
    };
    // A stream being moved to more replicas can be missing from a listing for a moment.
    let replicas: Record<string, number> = {};
    await waitFor(async () => Object.keys((replicas = await listed())).length >= 6, 10_000, "every stream in the listing").catch(() => undefined);
    expect(replicas).toEqual({
      [names.upstream.walletStream]: 3,
      [names.upstream.walletDeadLetterStream]: 3,
      [names.fanout.depositsStream]: 3,
      [`KV_${names.depositLedgerBucket}`]: 3,
      [`KV_${names.directoryBucket}`]: 3,
      [`KV_${names.bucket("bet_stream_leases")}`]: 3,
    });
  }, 120_000);
});
