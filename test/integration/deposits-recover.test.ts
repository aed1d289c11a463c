/**
 * The deposits snapshot in the auth response and `recover`: a socket that comes back asks
 * for everything after the last `seq` it has and gets exactly that, in order, right after
 * its auth callback and before anything live, from the deposits stream (so also after a
 * gateway restart).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import type { AuthResponse, WalletEvent } from "@socketpot/contracts";
import { seededRandom } from "@socketpot/service-kit";
import { ledger } from "@socketpot/wallet-watcher";
import { connected, connectClient, request, waitFor, type AnyClient, type ClientVersion } from "../support/clients";
import type { SeededApp, SeededUser } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { DEPOSIT_EVENTS, txid, walletEvents as ev, type RunningWatcher } from "../support/wallet";
import { useServers } from "../support/servers";

const KEPT_PER_USER = 30;

const servers = useServers({ apps: { app: 8 }, watcher: { WALLET_NOTIFICATIONS_PER_USER: String(KEPT_PER_USER) }, gateways: { gw: {} } });
let ns: TestNamespace;
let gw: RunningGateway;
let watcher: RunningWatcher;
let app: SeededApp;

const publish = (e: WalletEvent) => servers.publishWallet(e);

type Entry = { event: string; payload: any };

/**
 * Connects, records every deposit event and marks where the auth callback came (`auth`),
 * and authenticates with DEPOSITS.
 */
async function depositsSocket(
  target: RunningGateway,
  member: SeededUser,
  recover?: { deposits_seq: number },
  version: ClientVersion = 4,
): Promise<{ client: AnyClient; auth: AuthResponse; log: Entry[] }> {
  const client = connectClient(target.url, version);
  servers.clients.push(client);
  const log: Entry[] = [];
  for (const event of DEPOSIT_EVENTS) client.on(event, (payload: unknown) => log.push({ event, payload }));
  await connected(client);
  const [err, auth] = await request<AuthResponse>(client, "auth", {
    app_id: app.app_id,
    access_token: member.token,
    subscriptions: ["DEPOSITS"],
    ...(recover ? { recover } : {}),
  });
  if (err || !auth) throw new Error(`auth failed: ${err}`);
  log.push({ event: "auth", payload: auth.deposits });
  return { client, auth, log };
}

/** The `seq`s of the log's `unconfirmed_balance_change` and `balance_change` events, with the auth mark as 0. */
const seqs = (log: Entry[]) => log.filter((e) => e.event !== "confirmed_deposit_change").map((e) => (e.event === "auth" ? 0 : e.payload.seq));

async function drained(): Promise<void> {
  const jsm = await jetstreamManager(ns.nc);
  const { stream, durable } = watcher.watcher.resources();
  await waitFor(async () => {
    const info = await jsm.consumers.info(stream, durable);
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, 15_000, "watcher to ack every event");
}

/** `count` balance adjustments of +1 for the user: one notification each. */
async function adjustments(member: SeededUser, count: number, from: number): Promise<void> {
  const who = { app_id: app.app_id, auth_id: member.auth_id };
  for (let i = 1; i <= count; i++) await publish(ev.adjusted(who, 1, from + i));
}

beforeAll(() => {
  ({ ns, watcher, apps: { app }, gateways: { gw } } = servers);
});

describe("deposits snapshot", () => {
  it("equals the ledger after a random history", async () => {
    const me = app.members[0]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const rand = seededRandom(17);
    const events: WalletEvent[] = [];
    const open: Array<{ tx: string; amount: number }> = [];
    let confirmed = 0;
    for (let i = 0; i < 60; i++) {
      const r = rand();
      if (open.length > 0 && r < 0.4) {
        const dep = open.splice(Math.floor(rand() * open.length), 1)[0]!;
        if (rand() < 0.7) events.push(ev.confirmed(who, dep.tx, dep.amount, (confirmed += dep.amount)));
        else events.push(ev.dropped(who, dep.tx));
      } else if (r < 0.85) {
        const dep = { tx: txid(), amount: 1 + Math.floor(rand() * 1_000_000) };
        open.push(dep);
        events.push(ev.seen(who, dep.tx, dep.amount));
      } else {
        events.push(ev.adjusted(who, 1_000, (confirmed += 1_000)));
      }
    }
    for (const e of events) await publish(e);
    await drained();
    let state = ledger.emptyState(who.app_id, who.auth_id);
    for (const e of events) state = ledger.apply(state, e).state;

    const { auth } = await depositsSocket(gw, me);
    expect(auth.deposits).toEqual({ unconfirmed_balance: state.unconfirmed, seq: state.produced });
    expect(state.unconfirmed).toBe(open.reduce((a, d) => a + d.amount, 0));
  });

  it("is zero for a user without deposits, and given to socket.io-client 1.x and 2.x, which get live notifications as before", async () => {
    const me = app.members[1]!;
    const v1 = await depositsSocket(gw, me, undefined, 1);
    const v2 = await depositsSocket(gw, me, undefined, 2);
    expect(v1.auth.deposits).toEqual({ unconfirmed_balance: 0, seq: 0 });
    expect(v2.auth.deposits).toEqual({ unconfirmed_balance: 0, seq: 0 });
    await adjustments(me, 2, 0);
    await waitFor(() => v1.log.length >= 5 && v2.log.length >= 5, 10_000, "live notifications");
    for (const { log } of [v1, v2]) expect(seqs(log)).toEqual([0, 1, 2]);
  });
});

describe("recover", () => {
  it("replays exactly the 20 missed notifications in order after the auth callback, then live ones", async () => {
    const me = app.members[2]!;
    const first = await depositsSocket(gw, me);
    await adjustments(me, 3, 0);
    await waitFor(() => first.log.length >= 7, 10_000, "the first notifications");
    const last = first.log[first.log.length - 1]!.payload.seq as number;
    first.client.close();

    await adjustments(me, 20, 3);
    await drained();
    const back = await depositsSocket(gw, me, { deposits_seq: last });
    expect(back.auth.deposits).toEqual({ unconfirmed_balance: 0, seq: 23, recovered: true });
    await waitFor(() => back.log.length >= 41, 10_000, "the replay");
    await adjustments(me, 1, 23);
    await waitFor(() => back.log.length >= 43, 10_000, "the live notification");
    await new Promise((r) => setTimeout(r, 200));
    expect(seqs(back.log)).toEqual([0, ...Array.from({ length: 21 }, (_, i) => 4 + i)]);
    expect(back.log.filter((e) => e.event === "balance_change").map((e) => e.payload.balance)).toEqual(Array.from({ length: 21 }, (_, i) => 4 + i));
  });

  it("replays across a gateway restart", async () => {
    const me = app.members[3]!;
    const gwA = await startGateway(ns.nc, ns.namespace);
    const first = await depositsSocket(gwA, me);
    await adjustments(me, 2, 0);
    await waitFor(() => first.log.length >= 5, 10_000, "the first notifications");
    await gwA.stop();
    await adjustments(me, 20, 2);
    await drained();
    const gwB = await startGateway(ns.nc, ns.namespace);
    try {
      const back = await depositsSocket(gwB, me, { deposits_seq: 2 });
      expect(back.auth.deposits).toMatchObject({ seq: 22, recovered: true });
      await waitFor(() => back.log.length >= 41, 10_000, "the replay");
      await new Promise((r) => setTimeout(r, 200));
      expect(seqs(back.log)).toEqual([0, ...Array.from({ length: 20 }, (_, i) => 3 + i)]);
    } finally {
      await gwB.stop();
    }
  });

  it("neither loses nor doubles a notification published while sockets authenticate", async () => {
    const me = app.members[4]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const TOTAL = KEPT_PER_USER - 5;
    const publishing = (async () => {
      for (let i = 1; i <= TOTAL; i++) {
        await publish(ev.adjusted(who, 1, i));
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const sockets: Array<Awaited<ReturnType<typeof depositsSocket>>> = [];
    for (let k = 0; k < 12; k++) {
      sockets.push(await depositsSocket(gw, me, { deposits_seq: 0 }));
      await new Promise((r) => setTimeout(r, 20));
    }
    await publishing;
    await waitFor(() => sockets.every((s) => s.log.length >= 2 * TOTAL + 1), 15_000, "every notification on every socket");
    await new Promise((r) => setTimeout(r, 200));
    for (const s of sockets) {
      expect(s.auth.deposits?.recovered).toBe(true);
      expect(seqs(s.log)).toEqual([0, ...Array.from({ length: TOTAL }, (_, i) => i + 1)]);
    }
  });

  it("says recovered: false when part of what was asked is past retention, and goes on from the snapshot", async () => {
    const me = app.members[5]!;
    await adjustments(me, KEPT_PER_USER + 10, 0);
    await drained();
    const back = await depositsSocket(gw, me, { deposits_seq: 2 });
    expect(back.auth.deposits).toEqual({ unconfirmed_balance: 0, seq: KEPT_PER_USER + 10, recovered: false });
    await adjustments(me, 1, KEPT_PER_USER + 10);
    await waitFor(() => back.log.length >= 3, 10_000, "the live notification");
    expect(seqs(back.log)).toEqual([0, KEPT_PER_USER + 11]);
  });

  it("drops a republish of a notification the socket's snapshot already holds, after a reconnect", async () => {
    const me = app.members[6]!;
    const subject = ns.names.fanout.deposits(app.app_id, me.auth_id);
    const published: Uint8Array[] = [];
    const tap = ns.nc.subscribe(subject, { callback: (_e, m) => void published.push(m.data) });
    await ns.nc.flush();
    const first = await depositsSocket(gw, me);
    await adjustments(me, 1, 0);
    await waitFor(() => first.log.length >= 3, 10_000, "the notification");
    const rooms = gw.gateway.stats().rooms;
    first.client.close();
    await waitFor(() => gw.gateway.stats().rooms < rooms, 5_000, "the user's room to close");
    const back = await depositsSocket(gw, me);
    // The watcher crashed after publishing and publishes the notification again.
    ns.nc.publish(subject, published[0]!);
    await adjustments(me, 1, 1);
    await waitFor(() => back.log.length >= 3, 10_000, "the next notification");
    await new Promise((r) => setTimeout(r, 200));
    tap.unsubscribe();
    expect(seqs(back.log)).toEqual([0, 2]);
  });

  it("refuses a malformed recover", async () => {
    const client = connectClient(gw.url);
    servers.clients.push(client);
    await connected(client);
    const [err] = await request(client, "auth", { app_id: app.app_id, access_token: app.members[7]!.token, subscriptions: ["DEPOSITS"], recover: { deposits_seq: -1 } });
    expect(err).toBe("INVALID_REQUEST");
  });
});
