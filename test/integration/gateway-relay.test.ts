import { beforeAll, describe, expect, it } from "vitest";
import { encode, type BetFanout, type DepositFanout } from "@socketpot/contracts";
import { connected, connectClient, record, request, waitFor, authenticate } from "../support/clients";
import type { SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { useServers } from "../support/servers";

const servers = useServers({ apps: { app: 2, otherApp: 1 }, gateways: { a: { RPC_TIMEOUT_MS: "500" }, b: { RPC_TIMEOUT_MS: "500" } } });
let ns: TestNamespace;
let gwA: RunningGateway;
let gwB: RunningGateway;
let app: SeededApp;
let otherApp: SeededApp;

async function authed(gw: RunningGateway, appId: number, token: string | undefined, subscriptions: string[]) {
  return (await authenticate(gw.url, { app_id: appId, access_token: token, subscriptions }, servers.clients)).client;
}

const bet = (id: number) => ({ id, uname: "kate", kind: "simple_dice" as const, wager: 100, profit: -100, outcome: 42.5, created_at: new Date().toISOString() });

const deposit = (seq: number, balance: number, diff: number): DepositFanout => ({
  type: "confirmed",
  event_id: `ev-${seq}`,
  change: { balance, diff, seq },
});

beforeAll(() => {
  ({ ns, apps: { app, otherApp }, gateways: { a: gwA, b: gwB } } = servers);
});

describe("fan-out relay", () => {
  it("delivers a user's deposit notification to each of their DEPOSITS sockets on every gateway, once, and to nobody else", async () => {
    const me = app.members[0]!;
    const mineA = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const mineB = await authed(gwB, app.app_id, me.token, ["DEPOSITS", "BETS"]);
    const otherUser = await authed(gwA, app.app_id, app.members[1]!.token, ["DEPOSITS"]);
    const noDeposits = await authed(gwB, app.app_id, me.token, ["BETS"]);
    const events = ["balance_change", "confirmed_deposit_change", "unconfirmed_balance_change"];
    const logs = [mineA, mineB, otherUser, noDeposits].map((c) => record(c, events));

    ns.nc.publish(ns.names.fanout.deposits(app.app_id, me.auth_id), encode(deposit(1, 5000, 5000)));
    // the same notification again (a watcher that crashed after publishing): dropped by its seq
    ns.nc.publish(ns.names.fanout.deposits(app.app_id, me.auth_id), encode(deposit(1, 5000, 5000)));
    ns.nc.publish(ns.names.fanout.deposits(app.app_id, me.auth_id), encode(deposit(2, 7000, 2000)));
    await waitFor(() => logs[0]!.length >= 4 && logs[1]!.length >= 4, 5_000, "deposit notifications");
    await ns.nc.flush();
    await new Promise((r) => setTimeout(r, 200));

    for (const log of logs.slice(0, 2)) {
      expect(log).toEqual([
        { event: "balance_change", payload: { balance: 5000, diff: 5000, seq: 1 } },
        { event: "confirmed_deposit_change", payload: { balance: 5000, diff: 5000, seq: 1 } },
        { event: "balance_change", payload: { balance: 7000, diff: 2000, seq: 2 } },
        { event: "confirmed_deposit_change", payload: { balance: 7000, diff: 2000, seq: 2 } },
      ]);
    }
    expect(logs[2]).toEqual([]);
    expect(logs[3]).toEqual([]);
  });

  it("skips invalid fan-out messages and keeps relaying", async () => {
    const me = app.members[1]!;
    const c = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, ["unconfirmed_balance_change"]);
    const rejectedBefore = gwA.gateway.stats().rejected;
    const subject = ns.names.fanout.deposits(app.app_id, me.auth_id);
    ns.nc.publish(subject, new TextEncoder().encode("not json"));
    ns.nc.publish(subject, encode({ type: "unconfirmed", event_id: "x", change: { balance: -5, diff: 1 } }));
    ns.nc.publish(subject, encode({ type: "unconfirmed", event_id: "ok", change: { balance: 5, diff: 5, seq: 1 } }));
    await waitFor(() => log.length === 1, 5_000, "the valid notification");
    expect(log[0]!.payload).toEqual({ balance: 5, diff: 5, seq: 1 });
    expect(gwA.gateway.stats().rejected - rejectedBefore).toBe(2);
    expect(gwA.gateway.stats().relayed).toBeGreaterThan(0);
  });

  it("keeps one app's bets away from another app's sockets", async () => {
    const mine = await authed(gwA, app.app_id, undefined, ["BETS"]);
    const theirs = await authed(gwB, otherApp.app_id, undefined, ["BETS"]);
    const mineLog = record(mine, ["new_bet"]);
    const theirLog = record(theirs, ["new_bet"]);
    const bet: BetFanout = {
      type: "new_bet",
      bet: { id: 1, uname: "kate", kind: "simple_dice", wager: 100, profit: -100, outcome: 42.5, cond: "<", target: 49.5, created_at: new Date().toISOString() },
    };
    ns.nc.publish(ns.names.fanout.bets(app.app_id), encode(bet));
    await waitFor(() => mineLog.length === 1, 5_000, "the bet");
    await new Promise((r) => setTimeout(r, 200));
    expect(mineLog[0]!.payload.id).toBe(1);
    expect(theirLog).toEqual([]);
  });

  it("emits a window's bets (new_bets) as one new_bet each, in order", async () => {
    const c = await authed(gwA, app.app_id, undefined, ["BETS"]);
    const log = record(c, ["new_bet"]);
    const window: BetFanout = { type: "new_bets", bets: [bet(11), bet(12), bet(13)] };
    ns.nc.publish(ns.names.fanout.bets(app.app_id), encode(window));
    ns.nc.publish(ns.names.fanout.bets(app.app_id), encode({ type: "new_bets", bets: [bet(14)] }));
    await waitFor(() => log.length >= 4, 5_000, "the bets");
    await new Promise((r) => setTimeout(r, 200));
    expect(log.map((e) => e.payload.id)).toEqual([11, 12, 13, 14]);
  });

  it("drops a republished deposit notification however many other messages the gateway relays meanwhile", async () => {
    const me = app.members[0]!;
    const mine = await authed(gwA, app.app_id, me.token, ["DEPOSITS", "BETS"]);
    const log = record(mine, ["balance_change"]);
    const subject = ns.names.fanout.deposits(app.app_id, me.auth_id);
    ns.nc.publish(subject, encode(deposit(3, 100, 100)));
    // Each family keeps its own state per room: a bet flood does not touch the deposits' one.
    for (let i = 0; i < 600; i++) ns.nc.publish(ns.names.fanout.bets(app.app_id), encode({ type: "new_bets", bets: [bet(100_000 + 2 * i), bet(100_001 + 2 * i)] }));
    ns.nc.publish(subject, encode(deposit(3, 100, 100)));
    ns.nc.publish(subject, encode(deposit(4, 150, 50)));
    await waitFor(() => log.length >= 2, 5_000, "the deposit notifications");
    await new Promise((r) => setTimeout(r, 200));
    expect(log.map((e) => e.payload.balance)).toEqual([100, 150]);
  });
});

describe("fan-out subscriptions", () => {
  it("shares one NATS subscription among the users of an app, and drops it when the last one leaves", async () => {
    const gw = await startGateway(ns.nc, ns.namespace);
    try {
      const sockets = await Promise.all(
        [app.members[0]!, app.members[1]!, app.owner].map((u) => authed(gw, app.app_id, u.token, ["DEPOSITS"])),
      );
      // Deposits: 3 user rooms on one subscription. The server API's rooms (every socket's
      // app room, each user's room) add 1 + 3 rooms on 2 subscriptions.
      expect(gw.gateway.stats()).toMatchObject({ rooms: 3 + 4, subscriptions: 1 + 2 });
      const log = record(sockets[1]!, ["unconfirmed_balance_change"]);
      const others = [sockets[0]!, sockets[2]!].map((c) => record(c, ["unconfirmed_balance_change"]));
      ns.nc.publish(
        ns.names.fanout.deposits(app.app_id, app.members[1]!.auth_id),
        encode({ type: "unconfirmed", event_id: "shared-1", change: { balance: 9, diff: 9, seq: 1 } }),
      );
      await waitFor(() => log.length === 1, 5_000, "the notification");
      await new Promise((r) => setTimeout(r, 200));
      expect(others.map((l) => l.length)).toEqual([0, 0]);

      for (const c of sockets) c.close();
      await waitFor(() => gw.gateway.stats().subscriptions === 0, 5_000, "the subscription to be dropped");
      expect(gw.gateway.stats().rooms).toBe(0);
    } finally {
      await gw.stop();
    }
  });
});

describe("requests to services", () => {
  it("answers INTERNAL_ERROR within the rpc timeout when chat is not running", async () => {
    const c = connectClient(gwA.url);
    servers.clients.push(c);
    await connected(c);
    const started = Date.now();
    const [err] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["CHAT", "BETS"] });
    expect(err).toBe("INTERNAL_ERROR");
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it("refuses new_message without the CHAT subscription", async () => {
    const c = await authed(gwA, app.app_id, app.members[0]!.token, ["BETS"]);
    const [err] = await request(c, "new_message", { text: "hello" });
    expect(err).toBe("NOT_SUBSCRIBED");
  });
});
