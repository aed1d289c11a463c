/**
 * Presence across gateways and chat replicas, with the production timing defaults
 * (heartbeat 2 s, 3 missed beats, 4 s linger), against real NATS and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { record, request, waitFor, type AnyClient, authenticate } from "../support/clients";
import { startChat, type RunningChat } from "../support/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { spawnGateway, startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";
import type { DirectoryWriter } from "@socketpot/service-kit";

const LINGER_MS = 4_000;
const PRODUCTION_TIMING = {
  CHAT_PRESENCE_LINGER_MS: String(LINGER_MS),
  CHAT_GATEWAY_MISSED_BEATS: "3",
  CHAT_GATEWAY_GRACE_MS: "6000",
  CHAT_REAP_INTERVAL_MS: "1000",
  CHAT_RATE_LIMIT_COUNT: "0",
};

let ns: TestNamespace;
let db: TestDatabase;
let sql: pg.Client;
const chats: RunningChat[] = [];
let gwA: RunningGateway;
let gwB: RunningGateway;
let writer: DirectoryWriter;
const clients: AnyClient[] = [];

const authed = (url: string, appId: number, token: string | undefined) =>
  authenticate(url, { app_id: appId, access_token: token, subscriptions: ["CHAT"] }, clients);

function closed(c: AnyClient): Promise<void> {
  return new Promise((resolve) => {
    c.on("disconnect", () => resolve());
    c.close();
  });
}

async function presenceRow(appId: number, authId: number) {
  const res = await sql.query<{ check_at: Date | null }>("SELECT check_at FROM chat_presence WHERE app_id = $1 AND auth_id = $2", [
    appId,
    authId,
  ]);
  return res.rows[0];
}

async function socketCount(appId: number, authId: number): Promise<number> {
  const res = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM chat_socket WHERE app_id = $1 AND auth_id = $2", [
    appId,
    authId,
  ]);
  return res.rows[0]!.n;
}

/** Waits until the reaper has looked at the user (after a leave) and kept them present. */
async function reaperKept(appId: number, authId: number): Promise<void> {
  await waitFor(
    async () => {
      const row = await presenceRow(appId, authId);
      return row !== undefined && row.check_at === null;
    },
    LINGER_MS + 10_000,
    "the reaper to confirm the user is still present",
  );
}

/** Posts a message and waits for it on `watcher`: every event published before it has arrived. */
async function marker(sender: AnyClient, watcher: AnyClient): Promise<void> {
  const seen = record(watcher, ["new_message"]);
  const [err, msg] = await request<{ id: number }>(sender, "new_message", { text: "marker" });
  expect(err).toBeNull();
  await waitFor(() => seen.some((e) => e.payload.id === msg!.id), 10_000, "the marker message");
}

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  writer = await openDirectoryWriter(ns.nc, ns.names);
  // Two chat replicas share the work (queue group) and the database.
  chats.push(await startChat(ns.nc, ns.namespace, db.url, PRODUCTION_TIMING));
  chats.push(await startChat(ns.nc, ns.namespace, db.url, PRODUCTION_TIMING));
  gwA = await startGateway(ns.nc, ns.namespace, { HEARTBEAT_INTERVAL_MS: "2000" });
  gwB = await startGateway(ns.nc, ns.namespace, { HEARTBEAT_INTERVAL_MS: "2000" });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gwA?.stop();
  await gwB?.stop();
  for (const c of chats) await c.stop();
  await sql?.end();
  await db?.drop();
  await ns?.cleanup();
});

describe("presence", () => {
  it("counts users, not sockets: three tabs on two gateways join once and leave once, with two chat replicas", async () => {
    const app: SeededApp = await seedApp(writer, 1);
    const watcher = await authed(gwB.url, app.app_id, undefined);
    const events = record(watcher.client, ["user_joined", "user_left"]);
    const me = app.members[0]!;

    const tab1 = await authed(gwA.url, app.app_id, me.token);
    expect(tab1.auth.chat!.userlist[me.uname]).toEqual({ uname: me.uname, auth_id: me.auth_id, role: "MEMBER" });
    await waitFor(() => events.length >= 1, 10_000, "user_joined");
    const tab2 = await authed(gwB.url, app.app_id, me.token);
    const tab3 = await authed(gwA.url, app.app_id, me.token);
    expect(Object.keys(tab3.auth.chat!.userlist)).toEqual([me.uname]);
    await waitFor(async () => (await socketCount(app.app_id, me.auth_id)) === 3, 10_000, "three sockets");

    await closed(tab1.client);
    await closed(tab2.client);
    await waitFor(async () => (await socketCount(app.app_id, me.auth_id)) === 1, 10_000, "two leaves");
    await reaperKept(app.app_id, me.auth_id);
    expect(events).toEqual([{ event: "user_joined", payload: { uname: me.uname, auth_id: me.auth_id, role: "MEMBER" } }]);

    const lastClosedAt = Date.now();
    await closed(tab3.client);
    await waitFor(() => events.length >= 2, LINGER_MS + 10_000, "user_left");
    expect(Date.now() - lastClosedAt).toBeGreaterThanOrEqual(LINGER_MS - 500);
    expect(events[1]).toEqual({ event: "user_left", payload: { uname: me.uname } });
    const fresh = await authed(gwA.url, app.app_id, undefined);
    expect(fresh.auth.chat!.userlist).toEqual({});
    expect(events).toHaveLength(2);
  });

  it("tabs opened and closed all at once, across gateways and chat replicas: one user_joined, one user_left", async () => {
    const app = await seedApp(writer, 1);
    const watcher = await authed(gwB.url, app.app_id, undefined);
    const events = record(watcher.client, ["user_joined", "user_left"]);
    const me = app.members[0]!;
    const tabs = await Promise.all([gwA, gwB, gwA, gwB, gwA, gwB].map((gw) => authed(gw.url, app.app_id, me.token)));
    await waitFor(async () => (await socketCount(app.app_id, me.auth_id)) === tabs.length, 10_000, "all sockets");
    await Promise.all(tabs.map((t) => closed(t.client)));
    await waitFor(() => events.some((e) => e.event === "user_left"), LINGER_MS + 10_000, "user_left");
    const someoneElse = await authed(gwA.url, app.app_id, app.mod.token);
    await marker(someoneElse.client, watcher.client);
    expect(events.filter((e) => e.payload.uname === me.uname)).toEqual([
      { event: "user_joined", payload: { uname: me.uname, auth_id: me.auth_id, role: "MEMBER" } },
      { event: "user_left", payload: { uname: me.uname } },
    ]);
  });

  it("a tab reopened within the linger produces no leave/join noise", async () => {
    const app = await seedApp(writer, 1);
    const watcher = await authed(gwA.url, app.app_id, undefined);
    const events = record(watcher.client, ["user_joined", "user_left"]);
    const me = app.members[0]!;
    const tab = await authed(gwA.url, app.app_id, me.token);
    await waitFor(() => events.length === 1, 10_000, "user_joined");
    await closed(tab.client);
    await waitFor(async () => (await presenceRow(app.app_id, me.auth_id))?.check_at != null, 10_000, "the leave");
    const again = await authed(gwB.url, app.app_id, me.token);
    expect(again.auth.chat!.userlist[me.uname]).toBeDefined();
    // Present with no check pending: no user_left can follow.
    expect(await presenceRow(app.app_id, me.auth_id)).toEqual({ check_at: null });
    await marker(again.client, watcher.client);
    expect(events.map((e) => e.event)).toEqual(["user_joined"]);
  });

  it("a gateway restarted gracefully: its users reconnect elsewhere within the linger, nobody sees leave/join", async () => {
    const app = await seedApp(writer, 2);
    const watcher = await authed(gwA.url, app.app_id, undefined);
    const events = record(watcher.client, ["user_joined", "user_left"]);
    const doomed = await startGateway(ns.nc, ns.namespace, { HEARTBEAT_INTERVAL_MS: "2000" });
    for (const m of app.members) await authed(doomed.url, app.app_id, m.token);
    await waitFor(() => events.length === 2, 10_000, "two user_joined");

    await doomed.stop(); // goodbye: chat drops its sockets and starts the linger
    await waitFor(async () => (await socketCount(app.app_id, app.members[0]!.auth_id)) === 0, 10_000, "goodbye handled");
    const back = [];
    for (const m of app.members) back.push(await authed(gwB.url, app.app_id, m.token));
    for (const m of app.members) expect(await presenceRow(app.app_id, m.auth_id)).toEqual({ check_at: null });
    await marker(back[0]!.client, watcher.client);
    expect(events.map((e) => e.event)).toEqual(["user_joined", "user_joined"]);
  });

  it("a gateway killed with SIGKILL: its users leave on the other gateways within 15 s; users with another tab stay", async () => {
    const app = await seedApp(writer, 2);
    const [gone, stays] = app.members as [SeededApp["members"][number], SeededApp["members"][number]];
    const watcher = await authed(gwA.url, app.app_id, undefined);
    const events = record(watcher.client, ["user_joined", "user_left"]);
    const victim = await spawnGateway(ns.namespace, { HEARTBEAT_INTERVAL_MS: "2000" });
    try {
      await authed(victim.url, app.app_id, gone.token);
      await authed(victim.url, app.app_id, stays.token);
      await authed(gwB.url, app.app_id, stays.token);
      await waitFor(() => events.length === 2, 10_000, "two user_joined");

      const killedAt = Date.now();
      await victim.kill("SIGKILL");
      await waitFor(() => events.some((e) => e.event === "user_left"), 20_000, "user_left after SIGKILL");
      const elapsed = Date.now() - killedAt;
      expect(elapsed).toBeLessThanOrEqual(15_000);
      expect(events.filter((e) => e.event === "user_left")).toEqual([{ event: "user_left", payload: { uname: gone.uname } }]);
      await reaperKept(app.app_id, stays.auth_id);
      const fresh = await authed(gwB.url, app.app_id, undefined);
      expect(Object.keys(fresh.auth.chat!.userlist)).toEqual([stays.uname]);
    } finally {
      await victim.kill("SIGKILL");
    }
  }, 60_000);
});
