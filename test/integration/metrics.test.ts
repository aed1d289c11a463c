/**
 * Every service's operations endpoint (/healthz, /readyz, /metrics on OPS_PORT), scraped
 * after real traffic through real processes: the counts moved.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { depositEvents, publishBets, publishWalletEvent } from "@socketpot/simulator";
import { encode } from "@socketpot/contracts";
import { authenticate, connectClient, connected, once, request, waitFor, type AnyClient } from "../support/clients";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { servicePath, spawnGateway, spawnService, type ChildService } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";
import { opsUrlFrom, sampleMetric } from "../support/scrape";

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
  ops[name] = opsUrlFrom(svc.output())!;
}

/** The sum of a service's metric samples whose labels include `labels`. */
const sample = (name: string, metric: string, labels: Record<string, string> = {}) => sampleMetric(ops[name]!, metric, labels);

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 1);
  await Promise.all([
    spawnWithOps("chat", { DATABASE_URL: db.url }, /chat started/),
    spawnWithOps("wallet-watcher", {}, /wallet-watcher ready/),
    spawnWithOps("bet-stream", { BETS_LEASE_TTL_MS: "2000" }, /bet-stream ready/),
    spawnWithOps("api", { API_PORT: "0", API_HOST: "127.0.0.1" }, /api listening/),
  ]);
  const gw = await spawnGateway(ns.namespace, { OPS_PORT: "0", OPS_HOST: "127.0.0.1" });
  children.push(gw);
  gatewayUrl = gw.url;
  await waitFor(() => /serving \/healthz/.test(gw.output()), 10_000, "the gateway's ops endpoint");
  ops.gateway = `http://127.0.0.1:${JSON.parse(gw.output().split("\n").find((l) => l.includes("serving /healthz"))!).port}`;
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(children.map((c) => c.kill()));
  await db?.drop();
  await ns?.cleanup();
});

describe("operations endpoints", () => {
  it("answer /healthz and /readyz on every service", async () => {
    for (const name of ["chat", "wallet-watcher", "bet-stream", "gateway", "api"]) {
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
    // Bets go out when their window closes (every 250 ms), after they were counted in.
    await waitFor(async () => (await sample("bet-stream", "socketpot_bets_out_total", { outcome: "published" })) > 0, 15_000, "bets published");
    expect(await sample("bet-stream", "socketpot_bets_leases_held", { state: "held" })).toBeGreaterThan(0);
  }, 60_000);

  it("count the gateway's sockets by state and subscription, auths, replies, client_errors, deliveries and relay rejects", async () => {
    const gw = (metric: string, labels: Record<string, string> = {}) => sample("gateway", metric, labels);
    const before = {
      authenticated: await gw("socketpot_gateway_sockets", { state: "authenticated" }),
      chatSockets: await gw("socketpot_gateway_subscribed_sockets", { subscription: "CHAT" }),
      users: await gw("socketpot_gateway_auths_total", { outcome: "user" }),
      anonymous: await gw("socketpot_gateway_auths_total", { outcome: "anonymous" }),
      unknownApp: await gw("socketpot_gateway_auths_total", { outcome: "UNKNOWN_APP" }),
      okReplies: await gw("socketpot_gateway_replies_total", { code: "ok" }),
      invalidReplies: await gw("socketpot_gateway_replies_total", { code: "INVALID_REQUEST" }),
      unknownEvent: await gw("socketpot_gateway_client_errors_total", { reason: "unknownEvent" }),
      chatDeliveries: await gw("socketpot_gateway_deliveries_total", { family: "chat" }),
      depositDeliveries: await gw("socketpot_gateway_deliveries_total", { family: "deposits" }),
      invalid: await gw("socketpot_gateway_relay_rejects_total", { family: "deposits", reason: "invalid" }),
      policy: await gw("socketpot_gateway_relay_rejects_total", { family: "deposits", reason: "policy" }),
    };
    const me = app.owner;
    const { client: member } = await authenticate(gatewayUrl, { app_id: app.app_id, access_token: me.token, subscriptions: ["CHAT", "DEPOSITS"] }, clients);
    const { client: reader } = await authenticate(gatewayUrl, { app_id: app.app_id, subscriptions: ["CHAT"] }, clients);
    const waiting = connectClient(gatewayUrl);
    clients.push(waiting);
    await connected(waiting);
    expect((await request(waiting, "auth", { app_id: 999_999, subscriptions: ["CHAT"] }))[0]).toBe("UNKNOWN_APP");
    expect((await request(waiting, "no_such_event", {}))[0]).toBe("INVALID_REQUEST");

    expect(await gw("socketpot_gateway_sockets", { state: "authenticated" })).toBe(before.authenticated + 2);
    expect(await gw("socketpot_gateway_sockets", { state: "waiting" })).toBeGreaterThanOrEqual(1);
    expect(await gw("socketpot_gateway_subscribed_sockets", { subscription: "CHAT" })).toBe(before.chatSockets + 2);
    expect(await gw("socketpot_gateway_subscribed_sockets", { subscription: "DEPOSITS" })).toBeGreaterThanOrEqual(1);
    expect(await gw("socketpot_gateway_auths_total", { outcome: "user" })).toBe(before.users + 1);
    expect(await gw("socketpot_gateway_auths_total", { outcome: "anonymous" })).toBe(before.anonymous + 1);
    expect(await gw("socketpot_gateway_auths_total", { outcome: "UNKNOWN_APP" })).toBe(before.unknownApp + 1);
    expect(await gw("socketpot_gateway_replies_total", { code: "ok" })).toBe(before.okReplies + 2);
    expect(await gw("socketpot_gateway_replies_total", { code: "INVALID_REQUEST" })).toBe(before.invalidReplies + 1);
    expect(await gw("socketpot_gateway_client_errors_total", { reason: "unknownEvent" })).toBe(before.unknownEvent + 1);

    // A chat post reaches both sockets in the room: two deliveries of one relayed emit.
    const heard = once(reader, "new_message");
    expect((await request(member, "new_message", { channel: "english", text: "counted twice" }))[0]).toBeNull();
    await heard;
    await waitFor(async () => (await gw("socketpot_gateway_deliveries_total", { family: "chat" })) >= before.chatDeliveries + 2, 5_000, "chat deliveries");

    // Deposits: one invalid message, one notification published twice (the policy drops the copy).
    const subject = ns.names.fanout.deposits(app.app_id, me.auth_id);
    const notification = encode({ type: "unconfirmed", event_id: "metrics-1", change: { balance: 5, diff: 5, seq: 1 } });
    const balance = once(member, "unconfirmed_balance_change");
    ns.nc.publish(subject, new TextEncoder().encode("not json"));
    ns.nc.publish(subject, notification);
    ns.nc.publish(subject, notification);
    await balance;
    await waitFor(async () => (await gw("socketpot_gateway_relay_rejects_total", { family: "deposits", reason: "policy" })) === before.policy + 1, 5_000, "the dropped copy");
    expect(await gw("socketpot_gateway_relay_rejects_total", { family: "deposits", reason: "invalid" })).toBe(before.invalid + 1);
    expect(await gw("socketpot_gateway_deliveries_total", { family: "deposits" })).toBe(before.depositDeliveries + 1);

    member.close();
    reader.close();
    await waitFor(async () => (await gw("socketpot_gateway_sockets", { state: "authenticated" })) === before.authenticated, 5_000, "closed sockets counted");
    expect(await gw("socketpot_gateway_subscribed_sockets", { subscription: "CHAT" })).toBe(before.chatSockets);
    expect(await gw("socketpot_nats_connection_events_total", { type: "reconnect" })).toBe(0);
    expect(await gw("nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
  }, 60_000);
});
