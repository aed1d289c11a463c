/**
 * Deposit notifications are numbered by the ledger (`seq`, 1, 2, 3, ... per user and app) and
 * the gateway relays a user's notification only when its `seq` is above the last one it
 * relayed to that user's room: a republish after a crash is dropped however late it comes
 * and whatever else flows through the gateway.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { encode, type BetFanout, type WalletEvent } from "@socketpot/contracts";
import { authenticate, record, waitFor } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { walletEvents as ev } from "../support/wallet";
import { useServers } from "../support/servers";

/** More notifications than a per-room memory of recent keys (1,000) would hold. */
const NOTIFICATIONS = 1_100;
const BET_APPS = 4;
/**
 * Bets per second in the flood, 100 per new_bets message, each relayed to a BETS socket of
 * this process (the clients' decoding, not the gateway, limits what one test process takes).
 */
const BETS_PER_SECOND = 10_000;

const servers = useServers({ apps: { app: 1 }, watcher: {}, gateways: { gw: {} } });
let ns: TestNamespace;
let gw: RunningGateway;
let app: SeededApp;

const publish = (e: WalletEvent) => servers.publishWallet(e);

beforeAll(() => {
  ({ ns, apps: { app }, gateways: { gw } } = servers);
});

/** Publishes new_bets messages of 100 bets to the apps' fan-out subjects until stopped. */
function betFlood(appIds: number[]): { stop(): Promise<number> } {
  let running = true;
  let sent = 0;
  let id = 1;
  const perTick = Math.ceil(BETS_PER_SECOND / 100 / 100); // messages of 100 bets every 10 ms
  const done = (async () => {
    while (running) {
      for (let i = 0; i < perTick; i++) {
        const appId = appIds[sent % appIds.length]!;
        const created_at = new Date().toISOString();
        const bets = Array.from({ length: 100 }, () => ({ id: id++, uname: "flood", kind: "simple_dice" as const, wager: 1, profit: -1, outcome: 1, created_at }));
        ns.nc.publish(ns.names.fanout.bets(appId), encode({ type: "new_bets", bets } satisfies BetFanout));
        sent++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return id - 1;
    },
  };
}

describe("deposit notification seq", () => {
  it("drops a republish after a crash, over a thousand notifications later, while a bet flood runs through the same gateway", async () => {
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const betApps = await Promise.all(Array.from({ length: BET_APPS }, () => seedApp(writer, 0)));
    for (const a of betApps) await authenticate(gw.url, { app_id: a.app_id, subscriptions: ["BETS"] }, servers.clients);

    const me = app.members[0]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const { client } = await authenticate(gw.url, { app_id: app.app_id, access_token: me.token, subscriptions: ["DEPOSITS"] }, servers.clients);
    const log = record(client, ["balance_change"]);
    // What the watcher publishes, as a crashed watcher would publish it again.
    const published: Uint8Array[] = [];
    const tap = ns.nc.subscribe(ns.names.fanout.deposits(who.app_id, who.auth_id), { callback: (_e, m) => void published.push(m.data) });
    await ns.nc.flush();

    const flood = betFlood(betApps.map((a) => a.app_id));
    try {
      // Sent in order on one connection, 25 at a time: the stream keeps that order.
      for (let i = 0; i < NOTIFICATIONS; i += 25) {
        await Promise.all(Array.from({ length: Math.min(25, NOTIFICATIONS - i) }, (_, k) => publish(ev.adjusted(who, 1, i + k + 1))));
      }
      await waitFor(() => log.length >= NOTIFICATIONS, 30_000, "every notification");
      // The watcher crashed after publishing the first notification and publishes it again.
      ns.nc.publish(ns.names.fanout.deposits(who.app_id, who.auth_id), published[0]!);
      await publish(ev.adjusted(who, 1, NOTIFICATIONS + 1));
      await waitFor(() => log.length >= NOTIFICATIONS + 1, 10_000, "the notification after the republish");
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      const bets = await flood.stop();
      tap.unsubscribe();
      expect(bets).toBeGreaterThan(10_000);
    }
    expect(log.map((l) => l.payload.seq)).toEqual(Array.from({ length: NOTIFICATIONS + 1 }, (_, i) => i + 1));
    expect(log.map((l) => l.payload.balance)).toEqual(Array.from({ length: NOTIFICATIONS + 1 }, (_, i) => i + 1));
  }, 60_000);
});
