/**
 * Fault test: 1,000 wallet events for 50 users while the wallet-watcher (a child process)
 * is SIGKILLed several times mid-stream and restarted, then run as two replicas at once.
 * Every DEPOSITS socket (two per user, on two gateways) must receive each notification
 * exactly once and in order — exactly what applying the user's events one by one gives —
 * and the final balances must equal what the events add up to.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import { depositEmits, type WalletEvent } from "@socketpot/contracts";
import { ledger } from "@socketpot/wallet-watcher";
import { publishWalletEvent } from "@socketpot/simulator";
import { connected, connectClient, record, request, waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import { servicePath, spawnService, type ChildService, type RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { DEPOSIT_EVENTS, walletEvents as ev } from "../support/wallet";
import { seededRandom } from "@socketpot/service-kit";
import { useServers } from "../support/servers";

const USERS = 50;
const EVENTS = 1_000;
const PHASE1 = 700;
const KILLS = 3;

const servers = useServers({ apps: { app: USERS }, gateways: { a: {}, b: {} } });
let ns: TestNamespace;
let js: JetStreamClient;
let app: SeededApp;
let gwA: RunningGateway;
let gwB: RunningGateway;
const children: ChildService[] = [];


type Expected = {
  /** Every confirmed-balance diff, one per fact (all distinct). */
  confirmedDiffs: number[];
  confirmedFinal: number;
  /** Amounts of deposits seen (distinct). */
  seenAmounts: Set<number>;
  pendingFinal: number;
};

/** Per-user histories of 20 events, interleaved across users; amounts distinct per user. */
function generate(users: Array<{ app_id: number; auth_id: number }>, total: number, seed: number) {
  const rand = seededRandom(seed);
  const perUser = total / users.length;
  const histories = users.map((who, u) => {
    const events: WalletEvent[] = [];
    const exp: Expected = { confirmedDiffs: [], confirmedFinal: 0, seenAmounts: new Set(), pendingFinal: 0 };
    let unique = 0;
    const amount = () => (++unique) * 1_000 + Math.floor(rand() * 1_000);
    let open: Array<{ tx: string; amount: number }> = [];
    let d = 0;
    while (events.length < perUser) {
      const r = rand();
      const left = perUser - events.length;
      if (open.length > 0 && (r < 0.45 || left <= open.length)) {
        const dep = open.shift()!;
        if (rand() < 0.8) {
          exp.confirmedFinal += dep.amount;
          exp.confirmedDiffs.push(dep.amount);
          events.push(ev.confirmed(who, dep.tx, dep.amount, exp.confirmedFinal, 0, `u${u}-e${events.length}`));
        } else {
          events.push(ev.dropped(who, dep.tx, 0, `u${u}-e${events.length}`));
        }
      } else if (r < 0.85 && left > 1) {
        const dep = { tx: (seed * 1_000_000 + u * 1_000 + d++).toString(16).padStart(64, "0"), amount: amount() };
        exp.seenAmounts.add(dep.amount);
        open.push(dep);
        events.push(ev.seen(who, dep.tx, dep.amount, 0, `u${u}-e${events.length}`));
      } else {
        const up = rand() < 0.5 || exp.confirmedFinal < 1_000_000;
        const delta = up ? amount() : -amount();
        if (exp.confirmedFinal + delta < 0) continue;
        exp.confirmedFinal += delta;
        exp.confirmedDiffs.push(delta);
        events.push(ev.adjusted(who, delta, exp.confirmedFinal, `u${u}-e${events.length}`));
      }
    }
    exp.pendingFinal = open.reduce((acc, dep) => acc + dep.amount, 0);
    return { events, exp };
  });
  // Interleave: each user's events in order, users mixed at random.
  const cursors = histories.map(() => 0);
  const order: WalletEvent[] = [];
  while (order.length < total) {
    const u = Math.floor(rand() * users.length);
    const h = histories[u]!;
    if (cursors[u]! < h.events.length) order.push(h.events[cursors[u]!++]!);
  }
  // What each socket must receive: the user's events applied one by one, in order.
  const logs = histories.map((h, u) => {
    let state = ledger.emptyState(users[u]!.app_id, users[u]!.auth_id);
    const out: Array<{ event: string; payload: unknown }> = [];
    for (const e of h.events) {
      const r = ledger.apply(state, e);
      state = r.state;
      for (const n of r.notifications) for (const [event, payload] of depositEmits(n)) out.push({ event, payload });
    }
    return out;
  });
  return { order, expected: histories.map((h) => h.exp), logs };
}

async function publishAll(events: WalletEvent[]) {
  for (let i = 0; i < events.length; i += 50) {
    await Promise.all(events.slice(i, i + 50).map((e) => publishWalletEvent(js, ns.names, e)));
  }
}

function spawnWatcher(): Promise<ChildService> {
  return spawnService(
    servicePath("wallet-watcher"),
    { SOCKETPOT_NAMESPACE: ns.namespace, WALLET_ACK_WAIT_MS: "1500", WALLET_CONCURRENCY: "16" },
    /wallet-watcher ready/,
    60_000,
  ).then((c) => {
    children.push(c);
    return c;
  });
}

beforeAll(() => {
  ({ ns, js, apps: { app }, gateways: { a: gwA, b: gwB } } = servers);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill("SIGKILL")));
});

describe("wallet-watcher under crashes and replicas", () => {
  it("delivers each notification exactly once and in order to every socket, ending at the right balances", { timeout: 120_000 }, async () => {
    const users = app.members;
    // Two DEPOSITS sockets per user, one per gateway.
    const sockets: Array<{ user: number; log: ReturnType<typeof record> }> = [];
    await Promise.all(
      users.flatMap((user, u) =>
        [gwA, gwB].map(async (gw) => {
          const c = connectClient(gw.url);
          servers.clients.push(c);
          await connected(c, 30_000);
          const log = record(c, DEPOSIT_EVENTS);
          const [err] = await request(c, "auth", { app_id: app.app_id, access_token: user.token, subscriptions: ["DEPOSITS"] }, 30_000);
          expect(err).toBeNull();
          sockets.push({ user: u, log });
        }),
      ),
    );

    const { order, expected, logs: expectedLogs } = generate(users.map((u) => ({ app_id: app.app_id, auth_id: u.auth_id })), EVENTS, 20261128);

    // Phase 1: one watcher at a time, SIGKILLed mid-stream.
    let watcher = await spawnWatcher();
    const jsm = await jetstreamManager(ns.nc);
    const stream = ns.names.upstream.walletStream;
    const durable = ns.names.durable("wallet-watcher");
    const consumer = () => jsm.consumers.info(stream, durable);
    // Phase 1 arrives in chunks; each kill comes as soon as the watcher is into the new chunk.
    const chunk = Math.ceil(PHASE1 / KILLS);
    const left: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const start = k * chunk;
      const end = Math.min(PHASE1, start + chunk);
      await publishAll(order.slice(start, end));
      await waitFor(async () => (await consumer()).delivered.stream_seq > start, 60_000, `progress before kill ${k + 1}`);
      await watcher.kill("SIGKILL");
      const info = await consumer();
      left.push(info.num_pending + info.num_ack_pending);
      watcher = await spawnWatcher();
    }
    // Every kill left events undelivered or unacknowledged.
    expect(left.every((n) => n > 0), `events left at each kill: ${left.join(", ")}`).toBe(true);

    // Phase 2: two replicas share the durable consumer while the rest arrives.
    await spawnWatcher();
    await publishAll(order.slice(PHASE1));

    await waitFor(
      async () => {
        const info = await jsm.consumers.info(stream, durable);
        return info.num_pending === 0 && info.num_ack_pending === 0;
      },
      60_000,
      "every event acknowledged",
    );
    const confirmedCount = (log: ReturnType<typeof record>) => log.filter((l) => l.event === "balance_change").length;
    await waitFor(
      () => sockets.every((s) => confirmedCount(s.log) >= expected[s.user]!.confirmedDiffs.length),
      30_000,
      "every confirmed notification",
    );
    await ns.nc.flush();
    await new Promise((r) => setTimeout(r, 300));

    for (const s of sockets) {
      const exp = expected[s.user]!;
      const confirmed = s.log.filter((l) => l.event === "balance_change").map((l) => l.payload);
      const alias = s.log.filter((l) => l.event === "confirmed_deposit_change").map((l) => l.payload);
      const unconfirmed = s.log.filter((l) => l.event === "unconfirmed_balance_change").map((l) => l.payload);
      const who = `user ${s.user}`;

      // Confirmed: each fact exactly once (diffs are distinct), ending at the final balance.
      expect(alias, who).toEqual(confirmed);
      expect(confirmed.map((p) => p.diff).sort((a, b) => a - b), who).toEqual([...exp.confirmedDiffs].sort((a, b) => a - b));
      expect(confirmed.at(-1)?.balance, who).toBe(exp.confirmedFinal);
      for (const p of confirmed) expect(p.balance, who).toBeGreaterThanOrEqual(0);

      // Unconfirmed: an unbroken chain from 0, each deposit raised at most once, ending at the pending sum.
      let balance = 0;
      const raised = new Set<number>();
      for (const p of unconfirmed) {
        expect(p.balance, who).toBe(balance + p.diff);
        expect(p.balance, who).toBeGreaterThanOrEqual(0);
        if (p.diff > 0) {
          expect(exp.seenAmounts.has(p.diff), who).toBe(true);
          expect(raised.has(p.diff), who).toBe(false);
          raised.add(p.diff);
        } else {
          expect(raised.has(-p.diff), who).toBe(true);
        }
        balance = p.balance;
      }
      expect(balance, who).toBe(exp.pendingFinal);
    }
    // In order: exactly the notifications of the user's events applied one by one.
    for (const s of sockets) expect(s.log, `user ${s.user}`).toEqual(expectedLogs[s.user]);
    // Both sockets of a user saw the same sequence.
    for (let u = 0; u < users.length; u++) {
      const [a, b] = sockets.filter((s) => s.user === u);
      expect(a!.log, `user ${u}`).toEqual(b!.log);
    }
  });
});
