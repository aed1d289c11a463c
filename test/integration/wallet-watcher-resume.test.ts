/**
 * Fast resume: the events a SIGKILLed wallet-watcher had in flight (delivered, not acked) are
 * notified within 5 s of a watcher being up again, each once, with the default configuration.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import type { WalletEvent } from "@socketpot/contracts";
import { publishWalletEvent } from "@socketpot/simulator";
import { authenticate, record, waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import { servicePath, spawnService, type ChildService, type RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { walletEvents as ev } from "../support/wallet";
import { useServers } from "../support/servers";

const USERS = 20;
/** Rounds of one event per user published before a kill may land, and at most. */
const MIN_PER_USER = 5;
const MAX_PER_USER = 500;
const RESUME_WITHIN_MS = 5_000;

const servers = useServers({ apps: { app: USERS }, gateways: { gw: {} } });
let ns: TestNamespace;
let js: JetStreamClient;
let app: SeededApp;
let gw: RunningGateway;
const children: ChildService[] = [];

async function spawnWatcher(): Promise<ChildService> {
  // Default configuration: only where to find NATS and the namespace.
  const child = await spawnService(servicePath("wallet-watcher"), { SOCKETPOT_NAMESPACE: ns.namespace }, /wallet-watcher ready/, 60_000);
  children.push(child);
  return child;
}

beforeAll(() => {
  ({ ns, js, apps: { app }, gateways: { gw } } = servers);
});

afterAll(async () => {
  await Promise.all(children.map((c) => c.kill("SIGKILL")));
});

describe("wallet-watcher resume after SIGKILL", () => {
  it("notifies the events in flight at the kill within 5 s of the restarted watcher being up, once each", { timeout: 120_000 }, async () => {
    const users = app.members.slice(0, USERS);
    const logs = await Promise.all(
      users.map(async (u) => {
        const { client } = await authenticate(gw.url, { app_id: app.app_id, access_token: u.token, subscriptions: ["DEPOSITS"] }, servers.clients);
        return record(client, ["balance_change"]);
      }),
    );
    const jsm = await jetstreamManager(ns.nc);
    const consumer = () => jsm.consumers.info(ns.names.upstream.walletStream, ns.names.durable("wallet-watcher"));
    let watcher = await spawnWatcher();
    // Events keep arriving (a round of one per user, then a short pause) until a kill lands
    // while the watcher holds delivered, unacked ones: a kill between two batches (nothing in
    // flight) proves nothing, so the next watcher is killed the same way. Any number of
    // kills must still notify each event once.
    let perUser = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing && perUser < MAX_PER_USER) {
        const i = perUser + 1;
        const round: WalletEvent[] = users.map((u) => ev.adjusted({ app_id: app.app_id, auth_id: u.auth_id }, 1, i));
        await Promise.all(round.map((e) => publishWalletEvent(js, ns.names, e)));
        perUser = i;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    let atKill: Awaited<ReturnType<typeof consumer>> | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        await waitFor(
          async () => {
            const c = await consumer();
            return perUser >= MIN_PER_USER && c.num_ack_pending > 0;
          },
          30_000,
          "the watcher to be under way with events in flight",
        );
        await watcher.kill("SIGKILL");
        atKill = await consumer();
        if (atKill.num_ack_pending > 0 || attempt === 5) break;
        watcher = await spawnWatcher();
      }
    } finally {
      publishing = false;
      await publisher;
    }
    expect(atKill?.num_ack_pending, "events in flight at the kill").toBeGreaterThan(0);
    expect((await consumer()).ack_floor.stream_seq, "events left after the kill").toBeLessThan(perUser * USERS);
    await spawnWatcher();
    const up = Date.now();
    await waitFor(() => logs.every((l) => l.length >= perUser), RESUME_WITHIN_MS, "every notification after the restart");
    const resumedMs = Date.now() - up;
    await new Promise((r) => setTimeout(r, 500));
    for (const log of logs) expect(log.map((l) => l.payload.seq)).toEqual(Array.from({ length: perUser }, (_, i) => i + 1));
    expect(resumedMs).toBeLessThanOrEqual(RESUME_WITHIN_MS);
  });
});
