/**
 * Flood control across chat replicas, persistence of history across restarts, and
 * recovery from a chat outage and from killed database connections.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { MessageObject } from "@socketpot/contracts";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { record, request, waitFor, type AnyClient, authenticate } from "../support/clients";
import { startChat, type RunningChat } from "../support/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

const RPC_TIMEOUT_MS = 1_500;
const CHAT_ENV = { CHAT_RATE_LIMIT_COUNT: "5", CHAT_RATE_LIMIT_WINDOW_MS: "10000" };

let ns: TestNamespace;
let db: TestDatabase;
let chats: RunningChat[] = [];
let gateways: RunningGateway[] = [];
let writer: DirectoryWriter;
const clients: AnyClient[] = [];

const authed = (gw: RunningGateway, appId: number, token: string | undefined) =>
  authenticate(gw.url, { app_id: appId, access_token: token, subscriptions: ["CHAT"] }, clients);

const say = (c: AnyClient, text: string, timeoutMs?: number) => request<MessageObject>(c, "new_message", { text }, timeoutMs);

async function startGateways(): Promise<void> {
  gateways = [
    await startGateway(ns.nc, ns.namespace, { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) }),
    await startGateway(ns.nc, ns.namespace, { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) }),
  ];
}

async function startChats(count: number, env: Record<string, string> = CHAT_ENV): Promise<void> {
  for (let i = 0; i < count; i++) chats.push(await startChat(ns.nc, ns.namespace, db.url, env));
}

async function stopChats(): Promise<void> {
  for (const c of chats) await c.stop();
  chats = [];
}

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  writer = await openDirectoryWriter(ns.nc, ns.names);
  await startChats(2);
  await startGateways();
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const g of gateways) await g.stop();
  await stopChats();
  await db?.drop();
  await ns?.cleanup();
});

describe("flood control", () => {
  it("refuses the 6th message within 10 s with RATE_LIMITED, across gateways and chat replicas, per user", async () => {
    const app = await seedApp(writer, 2);
    const [gwA, gwB] = gateways as [RunningGateway, RunningGateway];
    const onA = await authed(gwA, app.app_id, app.members[0]!.token);
    const onB = await authed(gwB, app.app_id, app.members[0]!.token);
    const someoneElse = await authed(gwB, app.app_id, app.members[1]!.token);

    // Ten posts at once through two gateways and two chat replicas: exactly five pass.
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => say(i % 2 ? onA.client : onB.client, `flood ${i}`)),
    );
    const errors = answers.map(([err]) => err);
    expect(errors.filter((e) => e === null)).toHaveLength(5);
    expect(errors.filter((e) => e === "RATE_LIMITED")).toHaveLength(5);
    expect((await say(onA.client, "still?"))[0]).toBe("RATE_LIMITED");
    expect((await say(someoneElse.client, "I can talk"))[0]).toBeNull();

    // Refused messages are not stored.
    const fresh = await authed(gwA, app.app_id, undefined);
    const floods = fresh.auth.chat!.messages.filter((m) => m.text.startsWith("flood"));
    expect(floods).toHaveLength(5);
  });

  it("lets the user post again once the window has passed", async () => {
    await stopChats();
    await startChats(2, { CHAT_RATE_LIMIT_COUNT: "2", CHAT_RATE_LIMIT_WINDOW_MS: "4000" });
    const app = await seedApp(writer, 1);
    const me = await authed(gateways[0]!, app.app_id, app.members[0]!.token);
    expect((await say(me.client, "1"))[0]).toBeNull();
    expect((await say(me.client, "2"))[0]).toBeNull();
    const limitedAt = Date.now();
    expect((await say(me.client, "3"))[0]).toBe("RATE_LIMITED");
    let err: string | null | undefined = "RATE_LIMITED";
    await waitFor(
      async () => {
        [err] = await say(me.client, "again");
        return err !== "RATE_LIMITED";
      },
      20_000,
      "the window to pass",
    );
    expect(err).toBeNull();
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(500);
    await stopChats();
    await startChats(2);
  });
});

describe("persistence", () => {
  it("the auth response holds the latest 100 messages oldest first, identical after every service restarted", async () => {
    await stopChats();
    await startChats(1, { CHAT_RATE_LIMIT_COUNT: "0" });
    const app = await seedApp(writer, 1);
    const member = await authed(gateways[0]!, app.app_id, app.members[0]!.token);
    const mod = await authed(gateways[1]!, app.app_id, app.mod.token);
    for (let i = 1; i <= 104; i++) expect((await say(member.client, `message ${i}`))[0]).toBeNull();
    const [err, system] = await say(mod.client, `/mute ${app.members[0]!.uname} 5m`);
    expect(err).toBeNull();

    const before = (await authed(gateways[0]!, app.app_id, undefined)).auth.chat!.messages;
    expect(before).toHaveLength(100);
    expect(before[0]!.text).toBe("message 6");
    expect(before[98]!.text).toBe("message 104");
    expect(before[99]).toEqual(system);
    expect(before.map((m) => m.id)).toEqual([...before.map((m) => m.id)].sort((a, b) => a - b));

    for (const c of clients) c.close();
    for (const g of gateways) await g.stop();
    await stopChats();
    await startChats(2);
    await startGateways();

    const after = (await authed(gateways[1]!, app.app_id, undefined)).auth.chat!.messages;
    expect(after).toEqual(before);
  });
});

describe("robustness", () => {
  it("chat down: posts get INTERNAL_ERROR within the rpc timeout; everything works again when chat is back", async () => {
    const app = await seedApp(writer, 1);
    const me = await authed(gateways[0]!, app.app_id, app.members[0]!.token);
    await stopChats();

    const started = Date.now();
    const [err] = await say(me.client, "anyone?");
    expect(err).toBe("INTERNAL_ERROR");
    expect(Date.now() - started).toBeLessThan(RPC_TIMEOUT_MS + 2_000);

    await startChats(1, { CHAT_RATE_LIMIT_COUNT: "0" });
    const [err2, msg] = await say(me.client, "back again");
    expect(err2).toBeNull();
    expect(msg!.text).toBe("back again");
  });

  it("recovers by itself after its database connections are terminated", async () => {
    await stopChats();
    await startChats(1, { CHAT_RATE_LIMIT_COUNT: "0" });
    const app = await seedApp(writer, 1);
    const me = await authed(gateways[1]!, app.app_id, app.members[0]!.token);
    expect((await say(me.client, "before"))[0]).toBeNull();

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }

    await waitFor(async () => (await say(me.client, "after"))[0] === null, 20_000, "chat to recover");
    for (let i = 0; i < 5; i++) expect((await say(me.client, `steady ${i}`))[0]).toBeNull();
  });

  it("a socket closed while chat is down leaves once chat is back, however long it was down", async () => {
    const gw = await startGateway(ns.nc, ns.namespace, { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS), CHAT_LEAVE_RETRY_MAX_MS: "1000" });
    try {
      const app = await seedApp(writer, 2);
      const [leaver, stayer] = [app.members[0]!, app.members[1]!];
      const watcher = await authed(gateways[0]!, app.app_id, stayer.token);
      const leaving = await authed(gw, app.app_id, leaver.token);
      expect(Object.keys(leaving.auth.chat!.userlist).sort()).toEqual([leaver.uname, stayer.uname].sort());
      const left = record(watcher.client, ["user_left"]);

      await stopChats();
      leaving.client.close();
      // Longer than any fixed retry budget a gateway could have given up after.
      await new Promise((r) => setTimeout(r, 8_000));
      await startChats(1, { CHAT_RATE_LIMIT_COUNT: "0", CHAT_PRESENCE_LINGER_MS: "300" });

      await waitFor(() => left.length > 0, 10_000, "user_left for the socket closed while chat was down");
      expect(left.map((e) => e.payload)).toEqual([{ uname: leaver.uname }]);
      const later = await authed(gateways[1]!, app.app_id, undefined);
      expect(Object.keys(later.auth.chat!.userlist)).toEqual([stayer.uname]);
    } finally {
      await gw.stop();
    }
  }, 40_000);
});
