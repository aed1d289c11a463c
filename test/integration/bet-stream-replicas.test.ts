/**
 * Two bet-stream replicas (child processes) share the apps through partition leases:
 * each app's stream is sampled once (no duplicate new_bet, rate bound held), and the apps
 * of a killed replica move to the survivor within seconds. A late joiner's recent bets come
 * from the replica holding its app, whichever that is.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { BetFanout, betsOf, decode, rpcCatalogue, type MoneypotBet } from "@socketpot/contracts";
import { createRpcClient } from "@socketpot/service-kit";
import { pino } from "pino";
import { isJackpot } from "@socketpot/bet-stream";
import { publishBets } from "@socketpot/simulator";
import { waitFor } from "../support/clients";
import { natsUrl, createTestNamespace, type TestNamespace } from "../support/nats";
import { replicaStats, spawnBetStream } from "../support/bet-stream";
import type { ChildService } from "../support/gateway";

const RATE = 10;
const PARTITIONS = 8;
/**
 * Each replica holds the bound over any 1 s of its own clock (unit-tested exactly, and
 * reported as max_app_rate). Here, at a receiver on a loaded machine, deliveries can
 * bunch up: 2 s windows may hold up to 3 R, which still catches an app sampled twice (4 R).
 */
const CHECK_WINDOW_MS = 2_000;
const CHECK_MAX = 3 * RATE;
const APPS = Array.from({ length: PARTITIONS }, (_, i) => 101 + i);
const ENV = {
  BETS_RATE_PER_SECOND: String(RATE),
  BETS_PARTITIONS: String(PARTITIONS),
  BETS_LEASE_TTL_MS: "3000",
  BETS_LEASE_RENEW_MS: "500",
  LOG_LEVEL: "info",
};

let ns: TestNamespace;
let publisher: NatsConnection;
const replicas: ChildService[] = [];
const out = new Map<number, Array<{ at: number; id: number; jackpot: boolean }>>();
const sent: MoneypotBet[] = [];

function appOf(subject: string): number | undefined {
  return APPS.find((a) => ns.names.fanout.bets(a) === subject);
}

async function splitEvenly(): Promise<Map<string, number[]>> {
  let owners = new Map<string, number[]>();
  await waitFor(
    async () => {
      const stats = await replicaStats(ns.nc, ns.namespace);
      owners = new Map(stats.map((s) => [s.replica, s.partitions]));
      const all = stats.flatMap((s) => s.partitions).sort((a, b) => a - b);
      return (
        stats.length === 2 &&
        stats.every((s) => s.partitions.length > 0 && s.active_partitions === s.partitions.length) &&
        JSON.stringify(all) === JSON.stringify(Array.from({ length: PARTITIONS }, (_, i) => i))
      );
    },
    30_000,
    "two replicas sharing every partition",
  );
  return owners;
}

function publish(rate: number, durationMs: number, seed: number, firstId: number) {
  return publishBets({
    names: ns.names,
    appIds: APPS,
    rate,
    durationMs,
    seed,
    firstId,
    jackpotEvery: 400,
    jackpotProbability: 0,
    publish: (s, d) => publisher.publish(s, d),
    flush: () => publisher.flush(),
    onBet: (b) => sent.push(b),
  });
}

beforeAll(async () => {
  ns = await createTestNamespace();
  publisher = await connect({ servers: natsUrl(), name: "replica-test-publisher" });
  ns.nc.subscribe(ns.names.fanout.all, {
    callback: (_e, m) => {
      const app = appOf(m.subject);
      if (app === undefined) return;
      const d = decode(BetFanout, m.data);
      if (!d.ok) throw new Error(d.error);
      const list = out.get(app) ?? [];
      const at = Date.now();
      for (const bet of betsOf(d.value)) list.push({ at, id: bet.id, jackpot: isJackpot(bet) });
      out.set(app, list);
    },
  });
  await ns.nc.flush();
  replicas.push(...(await Promise.all([spawnBetStream(ns.namespace, { ...ENV, BETS_REPLICA_ID: "r1" }), spawnBetStream(ns.namespace, { ...ENV, BETS_REPLICA_ID: "r2" })])));
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.kill("SIGTERM")));
  await publisher?.close();
  await ns?.cleanup();
});

function checkStreams(): void {
  const seen = new Set<number>();
  for (const [app, list] of out) {
    const ids = list.map((x) => x.id);
    expect(new Set(ids).size, `duplicate new_bet for app ${app}`).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b), `order of app ${app}`).toEqual(ids);
    for (const id of ids) seen.add(id);
    for (let i = 0; i < list.length; i++) {
      let normal = 0;
      for (let j = i; j < list.length && list[j]!.at - list[i]!.at < CHECK_WINDOW_MS; j++) if (!list[j]!.jackpot) normal++;
      expect(normal, `rate of app ${app}`).toBeLessThanOrEqual(CHECK_MAX);
    }
  }
  const byId = new Map(sent.map((b) => [b.id, b]));
  for (const [app, list] of out) for (const { id } of list) expect(byId.get(id)?.app_id).toBe(app);
}

describe("bet-stream replicas", () => {
  it("sample each app once: no duplicates, rate bound held, every app served", async () => {
    const owners = await splitEvenly();
    expect([...owners.keys()].sort()).toEqual(["r1", "r2"]);
    await publish(2_000, 5_000, 1, 1);
    await waitFor(async () => {
      const stats = await replicaStats(ns.nc, ns.namespace);
      return stats.length === 2 && stats.every((s) => s.received >= sent.length);
    }, 30_000, "both replicas to take in every bet");
    const w = (await replicaStats(ns.nc, ns.namespace)).map((s) => s.windows);
    await waitFor(async () => (await replicaStats(ns.nc, ns.namespace)).every((s, i) => s.windows >= w[i]! + 2), 10_000, "two more windows");

    for (const app of APPS) expect(out.get(app)?.length ?? 0, `bets of app ${app}`).toBeGreaterThan(0);
    const jackpots = sent.filter((b) => isJackpot(b)).map((b) => b.id);
    const got = new Set([...out.values()].flat().map((x) => x.id));
    expect(jackpots.length).toBeGreaterThan(0);
    expect(jackpots.filter((id) => !got.has(id))).toEqual([]);
    checkStreams();
    const stats = await replicaStats(ns.nc, ns.namespace);
    // each replica decoded only its own apps' bets
    for (const s of stats) expect(s.accepted + s.foreign).toBe(s.received);
    for (const s of stats) expect(s.max_app_rate).toBeLessThanOrEqual(RATE);
    expect(stats.reduce((n, s) => n + s.accepted, 0)).toBe(sent.length);
  }, 90_000);

  it("answers every app's recent bets from the replica that holds it", async () => {
    await splitEvenly();
    const rpc = createRpcClient(ns.nc, pino({ level: "silent" }), 2_000);
    for (const app of APPS) {
      const reply = await rpc.call(rpcCatalogue(ns.names).betsRecent, { app_id: app });
      expect(reply.ok && reply.result.bets.length, `recent bets of app ${app}`).toBeGreaterThan(0);
    }
  }, 30_000);

  it("moves a killed replica's apps to the survivor within seconds", async () => {
    const owners = await splitEvenly();
    const lostApps = APPS.filter((a) => owners.get("r1")!.includes(a % PARTITIONS));
    expect(lostApps.length).toBeGreaterThan(0);
    const r1 = replicas[0]!;
    const traffic = publish(400, 15_000, 2, 1_000_000);
    await new Promise((r) => setTimeout(r, 1_000));
    const killedAt = Date.now();
    await r1.kill("SIGKILL");
    const resumed = new Map<number, number>();
    await waitFor(
      () => {
        for (const app of lostApps) {
          const t = out.get(app)?.find((x) => x.at > killedAt + 50)?.at;
          if (t !== undefined && !resumed.has(app)) resumed.set(app, t - killedAt);
        }
        return resumed.size === lostApps.length;
      },
      20_000,
      "the killed replica's apps to resume",
    );
    await traffic;
    const failoverMs = Math.max(...resumed.values());
    // lease TTL 3 s + renew 0.5 s + quiet 1 s + one window, with room for a loaded machine
    expect(failoverMs).toBeLessThan(8_000);
    const stats = await replicaStats(ns.nc, ns.namespace);
    expect(stats.map((s) => s.replica)).toEqual(["r2"]);
    expect(stats[0]!.partitions).toHaveLength(PARTITIONS);
    expect(stats[0]!.max_app_rate).toBeLessThanOrEqual(RATE);
    checkStreams();
  }, 90_000);
});
