/**
 * The whole of NATS restarts under running services (one server of the test's own, killed
 * and started again on its store): each service reconnects, re-creates what the restart lost
 * (bet-stream's lease bucket is in memory), is not ready while it cannot work and ready
 * again after, and chat, deposits, bets and new auths work again without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { createNames, type MessageObject } from "@socketpot/contracts";
import { betIdBase, makeBet, publishBet, publishWalletEvent } from "@socketpot/simulator";
import { connectClient, connected, record, request, waitFor, type AnyClient } from "../support/clients";
import { startBetStream, type RunningBetStream } from "../support/bet-stream";
import { startChat, type RunningChat } from "../support/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { startNatsCluster, type NatsCluster } from "../support/nats-cluster";
import { uniqueNamespace } from "../support/nats";
import { startWalletWatcher, txid, walletEvents, type RunningWatcher } from "../support/wallet";

const namespace = uniqueNamespace("rs");
const names = createNames(namespace);
let nats: NatsCluster;
let db: TestDatabase;
let app: SeededApp;
let chat: RunningChat;
let watcher: RunningWatcher;
let bets: RunningBetStream;
let gw: RunningGateway;
const conns: NatsConnection[] = [];
const clients: AnyClient[] = [];

beforeAll(async () => {
  nats = await startNatsCluster(1);
  const nc = await nats.connect(undefined, "services");
  conns.push(nc);
  db = await createTestDatabase();
  const env = { NATS_URL: nats.urls };
  watcher = await startWalletWatcher(nc, nats.urls, namespace, env);
  chat = await startChat(nc, namespace, db.url, { ...env, CHAT_RATE_LIMIT_COUNT: "0" });
  bets = await startBetStream(namespace, { ...env, BETS_RATE_PER_SECOND: "100" });
  gw = await startGateway(nc, namespace, env);
  app = await seedApp(await openDirectoryWriter(nc, names), 1);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of [gw, bets, chat, watcher]) await s?.stop().catch(() => undefined);
  for (const c of conns) await c.close().catch(() => undefined);
  await db?.drop();
  await nats?.stop();
});

async function authed(token: string | undefined, subscriptions: string[]): Promise<AnyClient> {
  const c = connectClient(gw.url);
  clients.push(c);
  await connected(c);
  const [err] = await request(c, "auth", { app_id: app.app_id, access_token: token, subscriptions }, 10_000);
  if (err) throw new Error(`auth: ${err}`);
  return c;
}

const everyReady = async () => (await Promise.all([gw.gateway.ready(), chat.chat.ready(), watcher.watcher.ready(), bets.service.ready()])).every(Boolean);

describe("a NATS restart", () => {
  it("every service comes back by itself: not ready while NATS is down, then chat, deposits, bets and auths work", async () => {
    const member = app.members[0]!;
    const socket = await authed(member.token, ["CHAT", "DEPOSITS", "BETS"]);
    const seen = record(socket, ["new_message", "unconfirmed_balance_change", "new_bet"]);
    expect(await everyReady()).toBe(true);

    await nats.kill("n1");
    await waitFor(async () => !(await bets.service.ready()) && !(await gw.gateway.ready()), 15_000, "services to report not ready");
    await nats.start("n1");
    const t0 = Date.now();
    await waitFor(everyReady, 30_000, "every service to be ready again");
    // Owned and past their quiet period (bets of a partition in it are left to its previous owner).
    await waitFor(() => bets.service.stats().active_partitions === 16, 30_000, "bet-stream to own its partitions again");
    const recoveredMs = Date.now() - t0;
    // Its ingest sees the leases at the next window's flush (BETS_WINDOW_MS, 250 ms).
    await new Promise((r) => setTimeout(r, 1_000));

    // New auths, chat, deposits and bets, on the socket from before the restart and a new one.
    const fresh = await authed(member.token, ["CHAT"]);
    const [err, message] = await request<MessageObject>(fresh, "new_message", { text: "after the restart" });
    expect(err).toBeNull();
    const control = await nats.connect(undefined, "control");
    conns.push(control);
    await publishWalletEvent(jetstream(control), names, walletEvents.seen({ app_id: app.app_id, auth_id: member.auth_id }, txid(), 5_000));
    const base = betIdBase();
    for (let i = 0; i < 3; i++) publishBet(control, names, makeBet({ id: base + i, appId: app.app_id, user: { uname: member.uname, auth_id: member.auth_id }, jackpot: true }));
    await waitFor(() => seen.some((e) => e.event === "new_message" && e.payload.id === message!.id), 15_000, "the chat message");
    await waitFor(() => seen.some((e) => e.event === "unconfirmed_balance_change" && e.payload.balance === 5_000), 15_000, "the deposit");
    await waitFor(() => seen.some((e) => e.event === "new_bet"), 15_000, "a bet").catch((e: Error) => { throw new Error(`${e.message}: bet-stream ${JSON.stringify(bets.service.stats())}, gateway ${JSON.stringify(gw.gateway.stats())}`); });
    console.log(`nats restart: every service ready and bet-stream owning its partitions ${recoveredMs} ms after NATS was back`);
  }, 120_000);
});
