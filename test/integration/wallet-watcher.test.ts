import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { encode, type WalletEvent } from "@socketpot/contracts";
import { ledger } from "@socketpot/wallet-watcher";
import { record, waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import { natsUrl, type TestNamespace } from "../support/nats";
import { useServers } from "../support/servers";
import { DEPOSIT_EVENTS, startWalletWatcher, txid, walletEvents as ev, type RunningWatcher } from "../support/wallet";
import { commands } from "../../scripts/cli/index";

const servers = useServers({ apps: { app: 5, otherApp: 1 }, watcher: { WALLET_ORDER_STALL_MS: "3000" }, gateways: { a: {}, b: {} } });
let ns: TestNamespace;
let gwA: RunningGateway;
let gwB: RunningGateway;
let watcher: RunningWatcher;
let app: SeededApp;
let otherApp: SeededApp;

async function authed(gw: RunningGateway, appId: number, token: string | undefined, subscriptions: string[]) {
  return (await servers.authed(gw, appId, token, subscriptions)).client;
}

const publish = (e: WalletEvent) => servers.publishWallet(e);

/** Waits until the watcher has settled everything published so far (acked, nothing in flight). */
async function drained(): Promise<void> {
  const jsm = await jetstreamManager(ns.nc);
  const { stream, durable } = watcher.watcher.resources();
  await waitFor(
    async () => {
      const info = await jsm.consumers.info(stream, durable);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    15_000,
    "watcher to ack every event",
  );
  await ns.nc.flush();
}

beforeAll(() => {
  ({ ns, watcher, apps: { app, otherApp }, gateways: { a: gwA, b: gwB } } = servers);
});

describe("wallet-watcher", () => {
  it("notifies a seen then confirmed deposit to every DEPOSITS socket of the user, on every gateway, once, and nobody else", async () => {
    const me = app.members[0]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const mineA = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const mineB = await authed(gwB, app.app_id, me.token, ["DEPOSITS", "BETS"]);
    const otherUser = await authed(gwA, app.app_id, app.members[1]!.token, ["DEPOSITS"]);
    const noDeposits = await authed(gwB, app.app_id, me.token, ["BETS"]);
    // The same user in another app.
    const meElsewhere = await servers.writer.issueToken({ app_id: otherApp.app_id, auth_id: me.auth_id });
    const sameUserOtherApp = await authed(gwA, otherApp.app_id, meElsewhere, ["DEPOSITS"]);
    const logs = [mineA, mineB, otherUser, noDeposits, sameUserOtherApp].map((c) => record(c, DEPOSIT_EVENTS));

    const tx = txid();
    await publish(ev.seen(who, tx, 5000));
    await publish(ev.confirmed(who, tx, 5000, 12_000));
    await waitFor(() => logs[0]!.length >= 4 && logs[1]!.length >= 4, 15_000, "deposit notifications");
    await drained();

    const expected = [
      { event: "unconfirmed_balance_change", payload: { balance: 5000, diff: 5000, seq: 1 } },
      { event: "unconfirmed_balance_change", payload: { balance: 0, diff: -5000, seq: 2 } },
      { event: "balance_change", payload: { balance: 12_000, diff: 5000, seq: 3 } },
      { event: "confirmed_deposit_change", payload: { balance: 12_000, diff: 5000, seq: 3 } },
    ];
    expect(logs[0]).toEqual(expected);
    expect(logs[1]).toEqual(expected);
    expect(logs[2]).toEqual([]);
    expect(logs[3]).toEqual([]);
    expect(logs[4]).toEqual([]);
  });

  it("notifies a dropped deposit and a withdrawal", async () => {
    const me = app.members[1]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    const tx = txid();
    await publish(ev.seen(who, tx, 800));
    await publish(ev.dropped(who, tx));
    await publish(ev.adjusted(who, -300, 700));
    await waitFor(() => log.length >= 4, 15_000, "notifications");
    await drained();
    expect(log).toEqual([
      { event: "unconfirmed_balance_change", payload: { balance: 800, diff: 800, seq: 1 } },
      { event: "unconfirmed_balance_change", payload: { balance: 0, diff: -800, seq: 2 } },
      { event: "balance_change", payload: { balance: 700, diff: -300, seq: 3 } },
      { event: "confirmed_deposit_change", payload: { balance: 700, diff: -300, seq: 3 } },
    ]);
  });

  it("notifies a duplicated or republished event once", async () => {
    const me = app.members[2]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwB, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    const tx = txid();
    const seen = ev.seen(who, tx, 1234);
    await publish(seen);
    await publish(seen); // same Nats-Msg-Id: the stream drops it
    // Same event id, but past the stream's duplicate detection (another Nats-Msg-Id): the ledger drops it.
    await servers.js.publish(ns.names.upstream.wallet(who.app_id, who.auth_id), encode(seen), { msgID: `${seen.event_id}-retry` });
    // Same deposit under a new event id: a deposit fact already recorded.
    await publish(ev.seen(who, tx, 1234));
    const marker = ev.adjusted(who, 1, 1);
    await publish(marker);
    await waitFor(() => log.length >= 3, 15_000, "notifications");
    await drained();
    expect(log.map((l) => l.event)).toEqual(["unconfirmed_balance_change", "balance_change", "confirmed_deposit_change"]);
    expect(log[0]!.payload).toEqual({ balance: 1234, diff: 1234, seq: 1 });
  });

  it("publishes notifications committed before a crash when the event is redelivered", async () => {
    const me = app.owner;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    // The state a watcher leaves when it dies after the CAS commit and before publishing.
    const event = ev.seen(who, txid(), 4200);
    const committed = ledger.apply(ledger.emptyState(who.app_id, who.auth_id), event, null).state;
    expect(committed.outbox).toHaveLength(1);
    await watcher.watcher.store().save(committed, null);
    // The redelivery of that event.
    await publish(event);
    await waitFor(() => log.length >= 1, 15_000, "the outbox notification");
    await drained();
    expect(log).toEqual([{ event: "unconfirmed_balance_change", payload: { balance: 4200, diff: 4200, seq: 1 } }]);
    // The published entry leaves the outbox with the user's next save.
    await publish(ev.adjusted(who, 1, 1));
    await waitFor(() => log.length >= 3, 15_000, "the next notification");
    await drained();
    const after = await watcher.watcher.store().load(who.app_id, who.auth_id);
    expect(after.state.outbox.map((n) => n.change.seq)).toEqual([2]);
    expect(after.state.unconfirmed).toBe(4200);
  });

  it("dead-letters invalid events with their id, acks them and keeps going", async () => {
    const me = app.mod;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwB, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    const subject = ns.names.upstream.wallet(who.app_id, who.auth_id);
    const h = headers();
    await servers.js.publish(subject, new TextEncoder().encode("{not json"), { msgID: "bad-json-1" });
    await servers.js.publish(subject, encode({ ...ev.seen(who, txid(), 10), amount: -5 }), { msgID: "bad-amount-1" });
    // Payload of another user on this user's subject.
    await servers.js.publish(subject, encode(ev.seen({ app_id: app.app_id, auth_id: app.members[0]!.auth_id }, txid(), 10)), { msgID: "wrong-subject-1", headers: h });
    await publish(ev.adjusted(who, 50, 50));
    await waitFor(() => log.length >= 2, 15_000, "the valid event behind the bad ones");
    await drained();
    expect(log.map((l) => l.payload)).toEqual([
      { balance: 50, diff: 50, seq: 1 },
      { balance: 50, diff: 50, seq: 1 },
    ]);

    const jsm = await jetstreamManager(ns.nc);
    const dlq = ns.names.upstream.walletDeadLetterStream;
    await waitFor(async () => (await jsm.streams.info(dlq)).state.messages >= 3, 10_000, "dead letters");
    const ids: string[] = [];
    for (let seq = 1; seq <= 3; seq++) {
      const m = await jsm.streams.getMessage(dlq, { seq });
      if (!m) throw new Error(`dead letter ${seq} missing`);
      ids.push(m.header.get("Socketpot-Original-Msg-Id"));
      expect(m.header.get("Socketpot-Error")).not.toBe("");
      expect(m.header.get("Socketpot-Original-Subject")).toBe(subject);
    }
    expect(ids).toEqual(["bad-json-1", "bad-amount-1", "wrong-subject-1"]);
    expect(watcher.watcher.stats().deadLettered).toBeGreaterThanOrEqual(3);
  });

  it("publishes wallet events from the CLI as Moneypot would", async () => {
    const me = app.members[0]!;
    const c = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    const out: string[] = [];
    const ctx = { nc: ns.nc, names: ns.names, print: (line: string) => out.push(line) };
    const tx = txid();
    const args = ["--app", String(app.app_id), "--user", String(me.auth_id)];
    await commands.wallet!.run(["deposit-seen", ...args, "--amount", "777", "--txid", tx], ctx);
    await commands.wallet!.run(["deposit-confirmed", ...args, "--amount", "777", "--balance-after", "12777", "--txid", tx], ctx);
    await waitFor(() => log.length >= 4, 15_000, "CLI-published notifications");
    expect(log.map((l) => [l.event, l.payload.diff])).toEqual([
      ["unconfirmed_balance_change", 777],
      ["unconfirmed_balance_change", -777],
      ["balance_change", 777],
      ["confirmed_deposit_change", 777],
    ]);
    expect(JSON.parse(out[0]!)).toMatchObject({ seq: expect.any(Number), duplicate: false });
    out.length = 0;
    await commands.wallet!.run(["dead-letters", "--limit", "1"], ctx);
    expect(JSON.parse(out[0]!)).toMatchObject({ msg_id: "wrong-subject-1" });
  });

  it("keeps one user's notifications exact when two replicas race on the same ledger", async () => {
    const me = app.members[3]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwB, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    const nc2 = await connect({ servers: natsUrl(), name: "wallet-watcher-replica" });
    const second = await startWalletWatcher(nc2, natsUrl(), ns.namespace);
    try {
      const events: WalletEvent[] = [];
      const expected: Array<{ event: string; payload: { balance: number; diff: number; seq: number } }> = [];
      let seq = 0;
      let confirmed = 0;
      for (let i = 0; i < 40; i++) {
        const tx = txid();
        const amount = 10_000 + i;
        events.push(ev.seen(who, tx, amount));
        expected.push({ event: "unconfirmed_balance_change", payload: { balance: amount, diff: amount, seq: ++seq } });
        if (i % 4 === 3) {
          events.push(ev.dropped(who, tx));
          expected.push({ event: "unconfirmed_balance_change", payload: { balance: 0, diff: -amount, seq: ++seq } });
        } else {
          confirmed += amount;
          events.push(ev.confirmed(who, tx, amount, confirmed));
          expected.push({ event: "unconfirmed_balance_change", payload: { balance: 0, diff: -amount, seq: ++seq } });
          expected.push({ event: "balance_change", payload: { balance: confirmed, diff: amount, seq: ++seq } });
          expected.push({ event: "confirmed_deposit_change", payload: { balance: confirmed, diff: amount, seq } });
        }
      }
      await Promise.all(events.map((e) => publish(e)));
      await waitFor(() => log.length >= expected.length, 20_000, "every notification");
      await drained();
      await new Promise((r) => setTimeout(r, 200));

      // Exactly the notifications of the events applied one by one in stream order.
      expect(log).toEqual(expected);
      const stored = await watcher.watcher.store().load(who.app_id, who.auth_id);
      // What is left in the outbox was published (it leaves with the user's next save).
      for (const n of stored.state.outbox) expect(log.some((l) => l.payload.seq === n.change.seq)).toBe(true);
      expect(stored.state.confirmed).toBe(confirmed);
      expect(stored.state.pending).toEqual([]);
    } finally {
      await second.stop();
      await nc2.close();
    }
  });

  it("applies a user's events after a lost ledger, once the order gate stops waiting for acked ones", async () => {
    const me = app.members[4]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const c = await authed(gwA, app.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    await publish(ev.adjusted(who, 100, 100));
    await waitFor(() => log.length >= 2, 15_000, "the first notification");
    await drained();
    // The ledger is gone; the stream still holds the acked first event.
    await watcher.watcher.resources().kv.delete(`${who.app_id}.${who.auth_id}`);
    const heldBefore = watcher.watcher.stats().held;
    await publish(ev.adjusted(who, 50, 150));
    await waitFor(() => log.length >= 4, 20_000, "the event behind the lost ledger");
    // Numbered on after the last notification the deposits stream holds for the user.
    expect(log.slice(2).map((l) => l.payload)).toEqual([
      { balance: 150, diff: 50, seq: 2 },
      { balance: 150, diff: 50, seq: 2 },
    ]);
    expect(watcher.watcher.stats().held).toBeGreaterThan(heldBefore);
  });

  it("orders a user's later events from its own deliveries, without reading the stream for each", async () => {
    const me = otherApp.members[0]!;
    const who = { app_id: otherApp.app_id, auth_id: me.auth_id };
    const c = await authed(gwA, otherApp.app_id, me.token, ["DEPOSITS"]);
    const log = record(c, DEPOSIT_EVENTS);
    await publish(ev.adjusted(who, 10, 10));
    await drained();
    // The order check's stream reads are direct gets of the wallet stream naming the subject:
    // a plain subscriber sees a copy of each request.
    const subject = ns.names.upstream.wallet(who.app_id, who.auth_id);
    let reads = 0;
    const spy = ns.nc.subscribe(`$JS.API.DIRECT.GET.${watcher.watcher.resources().stream}`, {
      callback: (_err, m) => {
        if (m.string().includes(subject)) reads++;
      },
    });
    await ns.nc.flush();
    const countedBefore = watcher.watcher.stats().orderReads;
    try {
      for (let i = 2; i <= 5; i++) {
        await publish(ev.adjusted(who, 10, 10 * i));
        await drained();
      }
      await waitFor(() => log.length >= 10, 15_000, "every notification");
    } finally {
      spy.unsubscribe();
    }
    expect(log.filter((l) => l.event === "balance_change").map((l) => l.payload)).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({ balance: 10 * n, diff: 10, seq: n })),
    );
    expect(reads).toBe(0);
    expect(watcher.watcher.stats().orderReads).toBe(countedBefore);
  });
});
