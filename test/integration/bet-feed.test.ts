/**
 * The BETS feed end to end: generated upstream bets -> bet-stream -> NATS -> a real
 * gateway -> real socket.io servers.clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { BetFanout, MAX_BET_BYTES, betsOf, decode, encode, toNewBet, type MoneypotBet } from "@socketpot/contracts";
import { isJackpot, scoreBet } from "@socketpot/bet-stream";
import { createBetGenerator, publishBets } from "@socketpot/simulator";
import { connected, connectClient, request, waitFor, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import { natsUrl, type TestNamespace } from "../support/nats";
import type { RunningBetStream } from "../support/bet-stream";
import { useServers } from "../support/servers";

const RATE = 10;
/** Not the default (20): late joiners get as many as bet-stream keeps, which it tells the gateway. */
const RECENT = 15;
/**
 * bet-stream holds the bound over any 1 s of its own clock (unit-tested exactly with an
 * injected clock, and reported as max_app_rate). At servers.clients on a loaded machine deliveries
 * can bunch up, so they check 2 s windows against 3 R: up to 1 s of jitter passes, a
 * doubled stream (4 R) does not.
 */
const CHECK_WINDOW_MS = 2_000;
const CHECK_MAX = 3 * RATE;

const servers = useServers({
  apps: { busy: { members: 0, prefix: "busy" }, quiet: { members: 0, prefix: "quiet" } },
  betStream: {
    BETS_RATE_PER_SECOND: String(RATE),
    BETS_WINDOW_MS: "250",
    BETS_RECENT: String(RECENT),
    BETS_PARTITIONS: "4",
    BETS_INVALID_LOGS_PER_MINUTE: "5",
  },
  gateways: { gw: {} },
});
let ns: TestNamespace;
let publisher: NatsConnection;
let gw: RunningGateway;
let bs: RunningBetStream;
let busy: SeededApp;
let quiet: SeededApp;

interface Received {
  at: number;
  bet: Record<string, unknown> & { id: number };
}

async function betsClient(appId: number): Promise<{ client: AnyClient; received: Received[]; response: any }> {
  const client = connectClient(gw.url);
  servers.clients.push(client);
  const received: Received[] = [];
  client.on("new_bet", (bet: Received["bet"]) => received.push({ at: Date.now(), bet }));
  await connected(client);
  const [err, response] = await request<any>(client, "auth", { app_id: appId, subscriptions: ["BETS"] });
  expect(err).toBeNull();
  return { client, received, response };
}

beforeAll(async () => {
  ({ ns, betStream: bs, apps: { busy, quiet }, gateways: { gw } } = servers);
  publisher = await connect({ servers: natsUrl(), name: "bet-feed-publisher" });
  await waitFor(() => bs.service.stats().active_partitions === 4, 10_000, "bet-stream owning every partition");
});

afterAll(async () => {
  await publisher?.close();
});

/** Waits until the service has taken in `accepted` bets and closed two more windows, and the servers.clients have caught up. */
async function settle(accepted: number, caughtUp: () => boolean): Promise<void> {
  const taken = () => {
    const s = bs.service.stats();
    return s.accepted + s.invalid;
  };
  await waitFor(() => taken() >= accepted, 30_000, `bet-stream to take in ${accepted} bets`);
  const w = bs.service.stats().windows;
  await waitFor(() => bs.service.stats().windows >= w + 2, 10_000, "two more windows");
  await waitFor(caughtUp, 10_000, "servers.clients to receive what was published");
}

describe("bet feed", () => {
  const sentBusy: MoneypotBet[] = [];
  const sentQuiet: MoneypotBet[] = [];
  let busyA: Awaited<ReturnType<typeof betsClient>>;
  let busyB: Awaited<ReturnType<typeof betsClient>>;
  let quietA: Awaited<ReturnType<typeof betsClient>>;

  beforeAll(async () => {
    busyA = await betsClient(busy.app_id);
    busyB = await betsClient(busy.app_id);
    quietA = await betsClient(quiet.app_id);
    const published = new Map<number, number>();
    const tap = ns.nc.subscribe(ns.names.fanout.all, {
      callback: (_e, m) => {
        for (const app of [busy.app_id, quiet.app_id]) {
          if (m.subject !== ns.names.fanout.bets(app)) continue;
          const d = decode(BetFanout, m.data);
          if (!d.ok) throw new Error(d.error);
          published.set(app, (published.get(app) ?? 0) + betsOf(d.value).length);
        }
      },
    });
    await ns.nc.flush();
    await Promise.all([
      publishBets({
        names: ns.names,
        appIds: [busy.app_id],
        rate: 2_000,
        durationMs: 10_000,
        seed: 11,
        firstId: 1,
        jackpotEvery: 1_500,
        jackpotProbability: 0,
        publish: (s, d) => publisher.publish(s, d),
        flush: () => publisher.flush(),
        onBet: (b) => sentBusy.push(b),
      }),
      publishBets({
        names: ns.names,
        appIds: [quiet.app_id],
        rate: 5,
        durationMs: 10_000,
        seed: 12,
        firstId: 10_000_000,
        jackpotProbability: 0,
        publish: (s, d) => publisher.publish(s, d),
        flush: () => publisher.flush(),
        onBet: (b) => sentQuiet.push(b),
      }),
    ]);
    await settle(
      sentBusy.length + sentQuiet.length,
      () =>
        busyA.received.length === (published.get(busy.app_id) ?? -1) &&
        busyB.received.length === published.get(busy.app_id) &&
        quietA.received.length === (published.get(quiet.app_id) ?? -1),
    );
    tap.unsubscribe();
  }, 120_000);

  it("sends every bet of a low-volume app, in order, with exactly the public fields", () => {
    expect(sentQuiet).toHaveLength(50);
    expect(quietA.received.map((r) => r.bet)).toEqual(sentQuiet.map(toNewBet));
    for (const { bet } of quietA.received) {
      expect(bet).not.toHaveProperty("app_id");
      expect(bet).not.toHaveProperty("auth_id");
    }
  });

  it("holds a high-volume app to the rate, jackpots aside", () => {
    expect(sentBusy).toHaveLength(20_000);
    const times = busyA.received.map((r) => ({ at: r.at, jackpot: isJackpot(r.bet as never) }));
    for (let i = 0; i < times.length; i++) {
      let normal = 0;
      for (let j = i; j < times.length && times[j]!.at - times[i]!.at < CHECK_WINDOW_MS; j++) if (!times[j]!.jackpot) normal++;
      expect(normal).toBeLessThanOrEqual(CHECK_MAX);
    }
    expect(bs.service.stats().max_app_rate).toBeLessThanOrEqual(RATE);
    expect(bs.service.stats().publisher_thread).toBe(true);
    const normalTotal = times.filter((t) => !t.jackpot).length;
    // ~10 s of traffic: at most 10 budgets (+1 for a partial second at each end), and the budget is used.
    expect(normalTotal).toBeLessThanOrEqual(RATE * 12);
    expect(normalTotal).toBeGreaterThanOrEqual(RATE * 5);
  });

  it("never drops a jackpot", () => {
    const jackpots = sentBusy.filter((b) => isJackpot(b)).map((b) => b.id);
    expect(jackpots.length).toBeGreaterThanOrEqual(13);
    const got = new Set(busyA.received.map((r) => r.bet.id));
    expect(jackpots.filter((id) => !got.has(id))).toEqual([]);
  });

  it("chooses the most interesting bets of a busy app", () => {
    const scores = sentBusy.map((b) => scoreBet(b)).sort((a, b) => a - b);
    const p90 = scores[Math.floor(scores.length * 0.9)]!;
    const chosen = busyA.received.filter((r) => !isJackpot(r.bet as never)).map((r) => scoreBet(r.bet as never));
    expect(chosen.filter((s) => s >= p90).length).toBeGreaterThanOrEqual(Math.ceil(chosen.length * 0.9));
  });

  it("sends each app only its own bets, once, in order, the same to every socket", () => {
    const busyIds = new Set(sentBusy.map((b) => b.id));
    const ids = busyA.received.map((r) => r.bet.id);
    expect(ids.every((id) => busyIds.has(id))).toBe(true);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(busyB.received.map((r) => r.bet.id)).toEqual(ids);
    const byId = new Map(sentBusy.map((b) => [b.id, b]));
    for (const r of busyA.received) expect(r.bet).toEqual(toNewBet(byId.get(r.bet.id)!));
  });

  it("gives a late joiner the app's recent interesting bets, newest last", async () => {
    const late = await betsClient(busy.app_id);
    const ids = busyA.received.map((r) => r.bet.id);
    expect(late.response.bets.map((b: { id: number }) => b.id)).toEqual(ids.slice(-RECENT));
    const lateQuiet = await betsClient(quiet.app_id);
    expect(lateQuiet.response.bets).toEqual(sentQuiet.slice(-RECENT).map(toNewBet));
  });

  it("answers a storm of late joiners from the gateway's copy of the feed, not a request per socket", async () => {
    let requests = 0;
    const spy = ns.nc.subscribe(ns.names.rpc.betsRecent, { callback: () => void requests++ });
    await ns.nc.flush();
    try {
      const joiners = await Promise.all(Array.from({ length: 30 }, () => betsClient(busy.app_id)));
      const ids = busyA.received.map((r) => r.bet.id).slice(-RECENT);
      for (const j of joiners) expect(j.response.bets.map((b: { id: number }) => b.id)).toEqual(ids);
      // The room is relayed since busyA joined: the snapshot taken at busyB's auth, kept up to date with every relayed bet, serves all 30.
      expect(requests).toBe(0);
    } finally {
      spy.unsubscribe();
    }
  });

  it("gives a late joiner of an app without bets an empty list", async () => {
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const fresh = await seedApp(writer, 0, "fresh");
    const c = await betsClient(fresh.app_id);
    expect(c.response).toEqual({ subscriptions: ["BETS"], bets: [] });
  });
});

describe("bad upstream input", () => {
  it("counts and skips invalid bets and keeps serving", async () => {
    const c = await betsClient(quiet.app_id);
    const before = bs.service.stats();
    const gen = createBetGenerator({ seed: 99, firstId: 20_000_000, jackpotProbability: 0 });
    const subject = ns.names.upstream.bets(quiet.app_id);
    const good = gen.next(quiet.app_id);
    publisher.publish(subject, new TextEncoder().encode("{not json"));
    publisher.publish(subject, encode({ ...gen.next(quiet.app_id), wager: "lots" }));
    publisher.publish(subject, encode({ ...gen.next(quiet.app_id), kind: "roulette" }));
    // a bet of another app on this app's subject: never shown to either app
    publisher.publish(subject, encode(gen.next(busy.app_id)));
    publisher.publish(ns.names.upstream.betsAll.replace("*", "not_an_app"), encode(gen.next(quiet.app_id)));
    // valid but for its size: bet-stream forwards bets as they arrived, so size is bounded
    publisher.publish(subject, encode({ ...gen.next(quiet.app_id), padding: "x".repeat(MAX_BET_BYTES) }));
    // a byte-order mark (JSON texts have none): bet-stream forwards a bet's bytes as they are
    publisher.publish(subject, new Uint8Array([0xef, 0xbb, 0xbf, ...encode(gen.next(quiet.app_id))]));
    // fields the contract does not name reach bet-stream's output but never a client
    publisher.publish(subject, encode({ ...good, house_note: "internal" }));
    await publisher.flush();
    await waitFor(() => c.received.length >= 1, 10_000, "the valid bet");
    expect(c.received.map((r) => r.bet)).toEqual([toNewBet(good)]);
    expect(bs.service.stats().invalid - before.invalid).toBe(7);
  });
});
