/**
 * A bet nested thousands of arrays deep (a valid-looking 10 KB message) must not make the
 * gateway deaf: the contracts bound the depth of `payouts`, the relay never lets a callback
 * throw into the NATS client's reading loop, and bet-stream's recent-bets answer survives it.
 * The gateway has a NATS connection of its own here, as in production: a dead reading loop
 * would silence it and nothing else.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { BetsRecentResult, RpcReply, decode, encode, type DepositFanout } from "@socketpot/contracts";
import { createBetGenerator } from "@socketpot/simulator";
import { startBetStream, type RunningBetStream } from "../support/bet-stream";
import { startChat, type RunningChat } from "../support/chat";
import { authenticate, record, request, waitFor, type AnyClient } from "../support/clients";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";

const DEPTH = 5_000;

let ns: TestNamespace;
let db: TestDatabase;
let gatewayNc: NatsConnection;
let gw: RunningGateway;
let chat: RunningChat;
let bs: RunningBetStream;
let app: SeededApp;
const clients: AnyClient[] = [];

/** `[[[...]]]`, `depth` arrays deep, written as text (building it as a value would need the recursion under test). */
const nested = (depth: number) => "[".repeat(depth) + "]".repeat(depth);

/** A generated bet of the app as JSON text, with `payouts` replaced by raw JSON. */
function betWithPayouts(payoutsJson: string, id: number): Uint8Array {
  const gen = createBetGenerator({ seed: id, firstId: id, jackpotProbability: 0 });
  const bet = { ...gen.next(app.app_id), kind: "custom" as const, payouts: "@P@" };
  return new TextEncoder().encode(JSON.stringify(bet).replace('"@P@"', payoutsJson));
}

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 2);
  chat = await startChat(ns.nc, ns.namespace, db.url, { CHAT_RATE_LIMIT_COUNT: "1000" });
  bs = await startBetStream(ns.namespace, { BETS_PARTITIONS: "1", BETS_WINDOW_MS: "100" });
  await waitFor(() => bs.service.stats().active_partitions === 1, 10_000, "bet-stream owning its partition");
  gatewayNc = await connect({ servers: natsUrl(), name: "poisoned-bet-gateway" });
  gw = await startGateway(gatewayNc, ns.namespace);
});

afterAll(async () => {
  for (const c of clients) c.close();
  const bounded = (p: Promise<unknown> | undefined) => Promise.race([p, new Promise((r) => setTimeout(r, 3_000))]);
  await bounded(gw?.stop());
  await bounded(gatewayNc?.close());
  await bs?.stop();
  await chat?.stop();
  await db?.drop();
  await ns?.cleanup();
});

describe("a bet nested 5,000 arrays deep", () => {
  it("is refused by the contract, and chat, deposits, bets and auth keep working on the gateway", async () => {
    const bettor = (await authenticate(gw.url, { app_id: app.app_id, subscriptions: ["BETS"] }, clients)).client;
    const poster = (await authenticate(gw.url, { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT"] }, clients)).client;
    const reader = (
      await authenticate(gw.url, { app_id: app.app_id, access_token: app.members[1]!.token, subscriptions: ["CHAT", "DEPOSITS"] }, clients)
    ).client;
    const bets = record(bettor, ["new_bet"]);
    const seen = record(reader, ["new_message", "balance_change"]);
    const before = bs.service.stats();

    // Through bet-stream, as Moneypot would publish it, and straight onto the fan-out subject
    // (a publisher that skipped bet-stream): neither may reach a client or hurt the gateway.
    ns.nc.publish(ns.names.upstream.bets(app.app_id), betWithPayouts(nested(DEPTH), 9_000_001));
    const poisonedFanout = `{"type":"new_bet","bet":${new TextDecoder().decode(betWithPayouts(nested(DEPTH), 9_000_002))}}`;
    ns.nc.publish(ns.names.fanout.bets(app.app_id), new TextEncoder().encode(poisonedFanout));
    await ns.nc.flush();
    await waitFor(() => bs.service.stats().received > before.received, 5_000, "bet-stream to take the bet in");

    // Chat is still relayed.
    const [postErr] = await request(poster, "new_message", { text: "still here" });
    expect(postErr).toBeNull();
    await waitFor(() => seen.some((e) => e.event === "new_message" && e.payload.text === "still here"), 5_000, "the chat message");

    // Deposits are still relayed.
    const deposit: DepositFanout = { type: "confirmed", event_id: "after-poison", change: { balance: 700, diff: 700, seq: 1 } };
    ns.nc.publish(ns.names.fanout.deposits(app.app_id, app.members[1]!.auth_id), encode(deposit));
    await waitFor(() => seen.some((e) => e.event === "balance_change"), 5_000, "the deposit notification");

    // New auths (directory lookups, chat join) still work, and the gateway says it is ready.
    const late = await authenticate(gw.url, { app_id: app.app_id, access_token: app.owner.token, subscriptions: ["CHAT", "BETS"] }, clients);
    expect(late.auth.user?.role).toBe("OWNER");
    expect(late.auth.chat?.messages.map((m) => m.text)).toContain("still here");
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);

    // A bet of ordinary depth still reaches BETS sockets.
    ns.nc.publish(ns.names.upstream.bets(app.app_id), betWithPayouts("[[1,2],[3,4]]", 9_000_003));
    await waitFor(() => bets.some((b) => b.payload.id === 9_000_003), 5_000, "the ordinary bet");
    expect(bets.map((b) => b.payload.id)).toEqual([9_000_003]);

    // bet-stream's recent bets for the app still answer, with what parses as the contract.
    const reply = await ns.nc.request(ns.names.rpc.betsRecent, encode({ app_id: app.app_id }), { timeout: 3_000 });
    const decoded = decode(RpcReply(BetsRecentResult), reply.data);
    expect(decoded.ok && decoded.value.ok && decoded.value.result.bets.map((b) => b.id)).toEqual([9_000_003]);
    // The contract bounds payouts' depth: bet-stream refused the bet as invalid.
    expect(bs.service.stats().invalid - before.invalid).toBe(1);
  });
});

describe("readiness", () => {
  it("turns false when the gateway's NATS reading loop dies", async () => {
    const nc = await connect({ servers: natsUrl(), name: "readiness-gateway" });
    const gw2 = await startGateway(nc, ns.namespace);
    try {
      expect((await fetch(`${gw2.url}/readyz`)).status).toBe(200);
      // Any callback on the connection that throws (a bug anywhere in the process) ends the
      // client's reading loop: nothing is received any more, though the socket stays open.
      const subject = `${ns.namespace}.test.poison`;
      nc.subscribe(subject, {
        callback: () => {
          throw new Error("a callback that throws");
        },
      });
      await nc.flush();
      ns.nc.publish(subject, encode({}));
      await ns.nc.flush();
      await waitFor(async () => (await fetch(`${gw2.url}/readyz`)).status === 503, 10_000, "/readyz to turn 503");
      expect((await fetch(`${gw2.url}/healthz`)).status).toBe(200);
    } finally {
      await Promise.race([gw2.stop(), new Promise((r) => setTimeout(r, 3_000))]);
      await nc.close().catch(() => undefined);
    }
  });
});
