/**
 * Every service's operations endpoint (/healthz, /readyz, /metrics on OPS_PORT), scraped
 * after real traffic through real processes: the counts moved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { depositEvents, publishBets, publishWalletEvent } from "@socketpot/simulator";
import { authenticate, once, request, waitFor, type AnyClient } from "../support/clients";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { servicePath, spawnGateway, spawnService, type ChildService } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let db: TestDatabase;
let app: SeededApp;
let gatewayUrl: string;
const ops: Record<string, string> = {};
const children: ChildService[] = [];
const clients: AnyClient[] = [];

async function spawnWithOps(name: string, env: Record<string, string>, ready: RegExp): Promise<void> {
  const svc = await spawnService(servicePath(name), { SOCKETPOT_NAMESPACE: ns.namespace, OPS_PORT: "0", OPS_HOST: "127.0.0.1", ...env }, ready);
  children.push(svc);
  await waitFor(() => /serving \/healthz/.test(svc.output()), 10_000, `${name}'s ops endpoint`);
  const line = svc.output().split("\n").find((l) => l.includes("serving /healthz"))!;
  ops[name] = `http://127.0.0.1:${JSON.parse(line).port}`;
}

/** The sum of a metric's samples whose labels include `labels`. */
async function sample(name: string, metric: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${ops[name]}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-z_]+)(\{([^}]*)\})? ([-0-9.e+]+)$/.exec(line);
    if (!m || m[1] !== metric) continue;
    const have = Object.fromEntries([...(m[3] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 1);
  await Promise.all([
    spawnWithOps("chat", { DATABASE_URL: db.url }, /chat started/),
    spawnWithOps("wallet-watcher", {}, /wallet-watcher ready/),
    spawnWithOps("bet-stream", { BETS_LEASE_TTL_MS: "2000" }, /bet-stream ready/),
  ]);
  const gw = await spawnGateway(ns.namespace, { OPS_PORT: "0", OPS_HOST: "127.0.0.1" });
  children.push(gw);
  gatewayUrl = gw.url;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(children.map((c) => c.kill()));
  await db?.drop();
  await ns?.cleanup();
});

describe("operations endpoints", () => {
  it("answer /healthz and /readyz on every service", async () => {
    for (const name of ["chat", "wallet-watcher", "bet-stream"]) {
      expect((await fetch(`${ops[name]}/healthz`)).status, name).toBe(200);
      await waitFor(async () => (await fetch(`${ops[name]}/readyz`)).status === 200, 15_000, `${name} ready`);
      expect(await sample(name, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
      expect(await sample(name, "socketpot_nats_connection_events_total", { type: "reconnect" })).toBe(0);
    }
  });

  it("count chat posts, wallet events and bets after real traffic", async () => {
    const { client } = await authenticate(gatewayUrl, { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT", "DEPOSITS", "BETS"] }, clients);
    const before = {
      posts: await sample("chat", "socketpot_chat_posts_total", { outcome: "ok" }),
      db: await sample("chat", "socketpot_chat_db_seconds_count", { operation: "post" }),
      applied: await sample("wallet-watcher", "socketpot_wallet_events_total", { outcome: "applied" }),
      bets: await sample("bet-stream", "socketpot_bets_in_total", { outcome: "accepted" }),
    };
    const [err] = await request(client, "new_message", { channel: "english", text: "metrics, please" });
    expect(err).toBeNull();
    const balance = once(client, "balance_change", 15_000);
    const { confirmed } = depositEvents({ appId: app.app_id, authId: app.members[0]!.auth_id, amount: 5000, balanceAfter: 5000 });
    await publishWalletEvent(jetstream(ns.nc), ns.names, confirmed);
    await balance;
    await publishBets({ names: ns.names, appIds: [app.app_id], rate: 500, durationMs: 200, publish: (s, d) => ns.nc.publish(s, d), flush: () => ns.nc.flush() });

    await waitFor(async () => (await sample("bet-stream", "socketpot_bets_in_total", { outcome: "accepted" })) >= before.bets + 100, 15_000, "bets counted");
    expect(await sample("chat", "socketpot_chat_posts_total", { outcome: "ok" })).toBe(before.posts + 1);
    expect(await sample("chat", "socketpot_chat_db_seconds_count", { operation: "post" })).toBe(before.db + 1);
    expect(await sample("wallet-watcher", "socketpot_wallet_events_total", { outcome: "applied" })).toBe(before.applied + 1);
    expect(await sample("wallet-watcher", "socketpot_wallet_notification_latency_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(await sample("wallet-watcher", "socketpot_wallet_notifications_total")).toBeGreaterThanOrEqual(1);
    expect(await sample("bet-stream", "socketpot_bets_out_total", { outcome: "published" })).toBeGreaterThan(0);
    expect(await sample("bet-stream", "socketpot_bets_leases_held", { state: "held" })).toBeGreaterThan(0);
  }, 60_000);
});
