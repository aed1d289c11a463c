/**
 * One user floods chat; everybody else keeps chatting. With the services' shipped defaults
 * (edge limits at the gateway, chat's bounded posting and PostgreSQL flood control), other
 * users' posts all succeed during a flood through the gateway (refused at the edge, the
 * flooding socket disconnected) and during one that reaches chat straight on NATS (past the
 * edge: every request answered at once).
 * The rates are moderate so that the test is stable on a small shared machine; bench
 * scenario chat-flood measures 10,000 posts/s.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createInbox, headers } from "@nats-io/transport-node";
import { RPC_DEADLINE_HEADER, decode, encode, RpcReply, ChatPostResult, type MessageObject } from "@socketpot/contracts";
import { GatewayEnv } from "@socketpot/gateway";
import { authenticate, request, waitFor, type AnyClient } from "../support/clients";
import { startChat, type RunningChat } from "../support/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

/** Through the gateway (its own rate per socket is refused at the edge). */
const FLOOD_PER_SECOND = 1_000;
/** Straight on NATS: more than chat could serve with PostgreSQL work for each. */
const NATS_FLOOD_PER_SECOND = 3_000;
const FLOOD_MS = 3_000;
const OTHERS = 4;
/** Each other user's posts during the flood (chat's flood control allows 5 per 10 s). */
const POSTS_EACH = 3;

/** The gateway's shipped edge limits (the test helper turns them off by default). */
const shippedEdgeLimits = Object.fromEntries(
  Object.entries(GatewayEnv.parse({})).flatMap(([k, v]) => (k.startsWith("EDGE_") ? [[k, String(v)]] : [])),
);

let ns: TestNamespace;
let db: TestDatabase;
let chat: RunningChat;
let gw: RunningGateway;
const clients: AnyClient[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  chat = await startChat(ns.nc, ns.namespace, db.url, {});
  gw = await startGateway(ns.nc, ns.namespace, shippedEdgeLimits);
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  await chat?.stop();
  await db?.drop();
  await ns?.cleanup();
});

const chatter = async (app: SeededApp, member: number) =>
  (await authenticate(gw.url, { app_id: app.app_id, access_token: app.members[member]!.token, subscriptions: ["CHAT"] }, clients)).client;

/** Every other user posts POSTS_EACH times, spread over the flood; resolves with each post's error. */
async function othersPost(others: AnyClient[]): Promise<Array<{ err: string | null | undefined }>> {
  const results: Array<{ err: string | null | undefined }> = [];
  await Promise.all(
    others.map(async (c, k) => {
      for (let i = 0; i < POSTS_EACH; i++) {
        await new Promise((r) => setTimeout(r, FLOOD_MS / (POSTS_EACH + 1) + k * 20));
        const [err] = await request<MessageObject>(c, "new_message", { text: `hello from ${k}, ${i}` }, 15_000);
        results.push({ err });
      }
    }),
  );
  return results;
}

/** Calls `send` `perSecond` times a second, in 10 ms ticks, for FLOOD_MS. */
async function flood(perSecond: number, send: (i: number) => void): Promise<number> {
  let sent = 0;
  const until = performance.now() + FLOOD_MS;
  while (performance.now() < until) {
    for (let k = 0; k < perSecond / 100; k++) send(sent++);
    await new Promise((r) => setTimeout(r, 10));
  }
  return sent;
}

/** Every other user's post succeeded (so within the gateway's RPC timeout; bench chat-flood measures latency). */
function expectOthersServed(results: Array<{ err: string | null | undefined }>): void {
  expect(results.map((r) => r.err)).toEqual(Array(OTHERS * POSTS_EACH).fill(null));
}

describe("a flood of posts from one user", () => {
  it("through the gateway: is refused at the edge, and other users' posts succeed", async () => {
    const app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), OTHERS + 1);
    const flooder = await chatter(app, OTHERS);
    const others = await Promise.all(Array.from({ length: OTHERS }, (_, k) => chatter(app, k)));
    const answers: Record<string, number> = {};
    let disconnected = false;
    flooder.on("disconnect", () => (disconnected = true));
    const [results, sent] = await Promise.all([
      othersPost(others),
      flood(FLOOD_PER_SECOND, (i) => flooder.emit("new_message", { text: `flood ${i}` }, (err: string | null) => void (answers[err ?? "ok"] = (answers[err ?? "ok"] ?? 0) + 1))),
    ]);
    expectOthersServed(results);
    // Refused at the edge (chat's flood control lets at most 5 through); disconnected for
    // flooding unless the gateway, starved of CPU, refused less than 50 a second.
    const answered = () => Object.values(answers).reduce((a, b) => a + b, 0);
    await waitFor(() => disconnected || answered() === sent, 20_000, "the flood refused or its socket disconnected");
    expect(answers.ok ?? 0).toBeLessThanOrEqual(5);
    expect(Object.keys(answers).filter((k) => k !== "ok")).toEqual(["RATE_LIMITED"]);
  }, 60_000);

  it("straight on NATS, past the edge: chat answers every request at once, and other users' posts succeed", async () => {
    const app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), OTHERS + 1);
    const others = await Promise.all(Array.from({ length: OTHERS }, (_, k) => chatter(app, k)));
    const user = { uname: app.members[OTHERS]!.uname, auth_id: app.members[OTHERS]!.auth_id, role: "MEMBER" as const };
    const inbox = createInbox();
    const answers: Record<string, number> = {};
    const sub = ns.nc.subscribe(inbox, {
      callback: (_e, m) => {
        const reply = decode(RpcReply(ChatPostResult), m.data);
        const key = !reply.ok ? "undecodable" : reply.value.ok ? "ok" : reply.value.error;
        answers[key] = (answers[key] ?? 0) + 1;
      },
    });
    try {
      const [results, sent] = await Promise.all([
        othersPost(others),
        flood(NATS_FLOOD_PER_SECOND, (i) => {
          const h = headers();
          h.set(RPC_DEADLINE_HEADER, String(Date.now() + 5_000));
          ns.nc.publish(ns.names.rpc.chatPost, encode({ app_id: app.app_id, user, channel: "lobby", text: `flood ${i}` }), { reply: inbox, headers: h });
        }),
      ]);
      expectOthersServed(results);
      // Every request answered (none left to time out), none by a failure.
      await waitFor(() => Object.values(answers).reduce((a, b) => a + b, 0) === sent, 10_000, "an answer to every flood request");
      expect(answers.ok ?? 0).toBeLessThanOrEqual(5);
      expect(answers.INTERNAL_ERROR ?? 0).toBe(0);
    } finally {
      sub.unsubscribe();
    }
  }, 60_000);
});
