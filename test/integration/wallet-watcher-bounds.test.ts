/**
 * Ledger bounds: a wallet event the ledger cannot hold is refused and dead-lettered with its
 * reason, a dead-letter copy always fits in a NATS message, a ledger that no longer loads is
 * replaced, and in every case the user's later events are notified within seconds.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import type { MsgHdrs } from "@nats-io/transport-node";
import { encode, type WalletEvent } from "@socketpot/contracts";
import { authenticate, record, waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { DEPOSIT_EVENTS, txid, walletEvents as ev, type RunningWatcher } from "../support/wallet";
import { useServers } from "../support/servers";

const MAX_PENDING = 5;
/** Longer than every wait below: a wedged message would only be passed by the order stall. */
const ORDER_STALL_MS = "60000";

const servers = useServers({ apps: { app: 5 }, watcher: { WALLET_MAX_PENDING: String(MAX_PENDING), WALLET_ORDER_STALL_MS: ORDER_STALL_MS }, gateways: { gw: {} } });
let ns: TestNamespace;
let gw: RunningGateway;
let watcher: RunningWatcher;
let app: SeededApp;

const publish = (e: WalletEvent) => servers.publishWallet(e);

type DeadLetter = { headers: MsgHdrs; size: number };

/** Every dead letter so far, in order. */
async function deadLetters(): Promise<DeadLetter[]> {
  const jsm = await jetstreamManager(ns.nc);
  const stream = ns.names.upstream.walletDeadLetterStream;
  const count = (await jsm.streams.info(stream)).state.last_seq;
  const out: DeadLetter[] = [];
  for (let seq = 1; seq <= count; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m) out.push({ headers: m.header, size: m.data.length });
  }
  return out;
}

async function deadLetterOf(originalMsgId: string): Promise<DeadLetter> {
  let found: DeadLetter | undefined;
  await waitFor(
    async () => {
      found = (await deadLetters()).find((d) => d.headers.get("Socketpot-Original-Msg-Id") === originalMsgId);
      return found !== undefined;
    },
    5_000,
    `dead letter of ${originalMsgId}`,
  );
  return found!;
}

async function depositsSocket(member: { auth_id: number; token: string }) {
  const { client } = await authenticate(gw.url, { app_id: app.app_id, access_token: member.token, subscriptions: ["DEPOSITS"] }, servers.clients);
  return record(client, DEPOSIT_EVENTS);
}

beforeAll(() => {
  ({ ns, watcher, apps: { app }, gateways: { gw } } = servers);
});

describe("wallet-watcher ledger bounds", () => {
  it("refuses a deposit beyond the pending limit, dead-letters it with the reason and keeps notifying the user", async () => {
    const me = app.members[0]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const log = await depositsSocket(me);
    const deposits = Array.from({ length: MAX_PENDING + 1 }, (_, i) => ({ tx: txid(), amount: 1_000 + i }));
    const events = deposits.map((d) => ev.seen(who, d.tx, d.amount));
    for (const e of events) await publish(e);
    const refused = await deadLetterOf(events[MAX_PENDING]!.event_id);
    expect(refused.headers.get("Socketpot-Error")).toMatch(/pending deposits/);

    // The user's stream goes on: a confirmation, then a new deposit once there is room.
    const first = deposits[0]!;
    await publish(ev.confirmed(who, first.tx, first.amount, first.amount));
    const later = ev.seen(who, txid(), 77);
    await publish(later);
    await waitFor(() => log.length >= MAX_PENDING + 4, 5_000, "notifications after the refusal");
    const pendingSum = deposits.slice(0, MAX_PENDING).reduce((a, d) => a + d.amount, 0);
    expect(log.slice(MAX_PENDING).map((l) => [l.event, l.payload])).toEqual([
      ["unconfirmed_balance_change", { balance: pendingSum - first.amount, diff: -first.amount, seq: 6 }],
      ["balance_change", { balance: first.amount, diff: first.amount, seq: 7 }],
      ["confirmed_deposit_change", { balance: first.amount, diff: first.amount, seq: 7 }],
      ["unconfirmed_balance_change", { balance: pendingSum - first.amount + 77, diff: 77, seq: 8 }],
    ]);
  });

  it("refuses two deposits of 2^53-1 and a second deposit that would push the unconfirmed total past the limit", async () => {
    const me = app.members[1]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const log = await depositsSocket(me);
    const huge = [ev.seen(who, txid(), Number.MAX_SAFE_INTEGER), ev.seen(who, txid(), Number.MAX_SAFE_INTEGER)];
    for (const e of huge) await publish(e);
    for (const e of huge) expect((await deadLetterOf(e.event_id)).headers.get("Socketpot-Error")).toMatch(/amount .* exceeds/);

    const big = 1_500_000_000_000_000; // each within the default limit of 21 million BTC, not both
    const ok = ev.seen(who, txid(), big);
    const over = ev.seen(who, txid(), big);
    await publish(ok);
    await publish(over);
    expect((await deadLetterOf(over.event_id)).headers.get("Socketpot-Error")).toMatch(/unconfirmed total/);
    await publish(ev.adjusted(who, 5, 5));
    await waitFor(() => log.length >= 3, 5_000, "notifications");
    expect(log.map((l) => l.payload)).toEqual([
      { balance: big, diff: big, seq: 1 },
      { balance: 5, diff: 5, seq: 2 },
      { balance: 5, diff: 5, seq: 2 },
    ]);
    const stored = await watcher.watcher.store().load(who.app_id, who.auth_id);
    expect(stored.state.unconfirmed).toBe(big);
  });

  it("dead-letters a 1,048,400 byte non-JSON event as a bounded copy naming the original, and the user's next event is notified", async () => {
    const me = app.members[2]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const log = await depositsSocket(me);
    const subject = ns.names.upstream.wallet(who.app_id, who.auth_id);
    const body = new Uint8Array(1_048_400).fill(0x78);
    const ack = await servers.js.publish(subject, body, { msgID: "huge-not-json" });
    await publish(ev.adjusted(who, 9, 9));
    await waitFor(() => log.length >= 2, 5_000, "the event behind the huge one");
    const copy = await deadLetterOf("huge-not-json");
    expect(copy.size).toBeLessThan(100_000);
    expect(copy.headers.get("Socketpot-Original-Seq")).toBe(String(ack.seq));
    expect(copy.headers.get("Socketpot-Original-Size")).toBe(String(body.length));
    expect(copy.headers.get("Socketpot-Truncated")).toBe("true");
  });

  it("replaces a ledger that no longer loads, dead-letters its copy and notifies the user's next event", async () => {
    const me = app.members[3]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const log = await depositsSocket(me);
    // What two deposits of 2^53-1 used to leave behind: a total that is not a safe integer.
    const corrupt = {
      v: 1,
      app_id: who.app_id,
      auth_id: who.auth_id,
      unconfirmed: 2 * Number.MAX_SAFE_INTEGER,
      confirmed: null,
      confirmed_at: null,
      through: null,
      pending: [
        { key: `${txid()}:0`, amount: Number.MAX_SAFE_INTEGER, event_id: "old-1" },
        { key: `${txid()}:0`, amount: Number.MAX_SAFE_INTEGER, event_id: "old-2" },
      ],
      settled: [],
      applied: ["old-1", "old-2"],
      outbox: [],
      produced: 2,
    };
    const key = `${who.app_id}.${who.auth_id}`;
    const revision = await watcher.watcher.resources().kv.put(key, encode(corrupt));
    await publish(ev.adjusted(who, 40, 40));
    await waitFor(() => log.length >= 2, 5_000, "the event after the corrupt ledger");
    expect(log.map((l) => l.payload)).toEqual([
      // Numbered on from the replaced ledger's count.
      { balance: 40, diff: 40, seq: 3 },
      { balance: 40, diff: 40, seq: 3 },
    ]);
    const loaded = await watcher.watcher.store().load(who.app_id, who.auth_id);
    expect(loaded.state.unconfirmed).toBe(0);
    expect(loaded.state.confirmed).toBe(40);
    const copies = (await deadLetters()).filter((d) => d.headers.get("Socketpot-Ledger-Key") === key);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.headers.get("Socketpot-Ledger-Revision")).toBe(String(revision));
    expect(copies[0]!.headers.get("Socketpot-Error")).toMatch(/ledger/);
  });
});
