/**
 * The server API's refusals, each as `{error, message, field?}` with its status: keys (401),
 * another app's key on every endpoint (403), validation with the offending field (400), sizes
 * (413), the per-key rate limit (429 with Retry-After), unknown routes and users (404), and 503
 * within the RPC timeout when chat is not running or does not answer. Keys are never logged.
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiCatalogue, encode } from "@socketpot/contracts";
import { call, startApi, type RunningApi } from "../support/api";
import { startChat, type RunningChat } from "../support/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let db: TestDatabase;
let chat: RunningChat;
let api: RunningApi;
let appA: SeededApp;
let appB: SeededApp;
let keyA: string;
let keyB: string;
const logLines: string[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  const writer = await openDirectoryWriter(ns.nc, ns.names);
  appA = await seedApp(writer, 1, "a");
  appB = await seedApp(writer, 1, "b");
  keyA = (await writer.createApiKey({ app_id: appA.app_id })).key;
  keyB = (await writer.createApiKey({ app_id: appB.app_id })).key;
  chat = await startChat(ns.nc, ns.namespace, db.url, { CHAT_RATE_LIMIT_COUNT: "1000" });
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) });
  api = await startApi(ns.nc, ns.namespace, { API_BODY_LIMIT_BYTES: "65536", RPC_TIMEOUT_MS: "1000" }, pino({ level: "trace" }, sink));
});
afterAll(async () => {
  await api?.stop();
  await chat?.stop();
  await db?.drop();
  await ns?.cleanup();
});

/** One valid request per endpoint of `appId`. */
function everyEndpoint(app: SeededApp): Array<[string, string, unknown?]> {
  const p = `/v1/apps/${app.app_id}`;
  const m = app.members[0]!;
  return [
    ["POST", `${p}/chat/messages`, { text: "hi" }],
    ["GET", `${p}/chat/messages?limit=5`],
    ["POST", `${p}/mutes`, { uname: m.uname, duration: "1m" }],
    ["DELETE", `${p}/mutes/${m.uname}`],
    ["GET", `${p}/presence`],
    ["POST", `${p}/users/${m.auth_id}/disconnect`, {}],
    ["POST", `${p}/events`, { name: "x", data: 1 }],
  ];
}

const errorShape = (body: Record<string, unknown>) => Object.keys(body).filter((k) => !["error", "message", "field"].includes(k));

describe("keys and apps", () => {
  it("answers 401 to a missing, malformed, unknown or revoked key on every endpoint", async () => {
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const revoked = await writer.createApiKey({ app_id: appA.app_id });
    await writer.revokeApiKey(revoked.record.id);
    for (const [method, path, body] of everyEndpoint(appA)) {
      for (const key of [undefined, "", "not-a-key", `spk_${"x".repeat(43)}`, revoked.key]) {
        const res = await call(api.url, key, method, path, body);
        expect(res.status, `${method} ${path} with ${String(key)}`).toBe(401);
        expect(res.body.error).toBe("UNAUTHORIZED");
        expect(errorShape(res.body)).toEqual([]);
      }
    }
  });

  it("refuses a revoked key on every replica within a second, though each had just served it", async () => {
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const { key, record } = await writer.createApiKey({ app_id: appA.app_id });
    const second = await startApi(ns.nc, ns.namespace);
    try {
      const presence = (url: string) => call(url, key, "GET", `/v1/apps/${appA.app_id}/presence`);
      for (const url of [api.url, second.url]) expect((await presence(url)).status).toBe(200);
      const revokedAt = Date.now();
      await writer.revokeApiKey(record.id);
      for (const url of [api.url, second.url]) {
        for (;;) {
          const res = await presence(url);
          if (res.status === 401) break;
          expect(res.status).toBe(200);
          expect(Date.now() - revokedAt).toBeLessThan(1_000);
        }
      }
      expect(Date.now() - revokedAt).toBeLessThan(1_000);
    } finally {
      await second.stop();
    }
  });

  it("refuses a key of app A on every endpoint of app B (403), and B's own key works there", async () => {
    for (const [method, path, body] of everyEndpoint(appB)) {
      const res = await call(api.url, keyA, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual({ error: "FORBIDDEN", message: `this API key acts for app ${appA.app_id} only` });
      const own = await call(api.url, keyB, method, path, body);
      expect(own.status, `${method} ${path}: ${JSON.stringify(own.body)}`).toBeLessThan(300);
    }
  });

  it("refuses a key of app A for an app id that is no number (403), before looking at anything else", async () => {
    expect((await call(api.url, keyA, "GET", "/v1/apps/x1/presence")).status).toBe(403);
  });

  it("covers every catalogue operation in these checks", () => {
    const ops = Object.values(apiCatalogue(ns.names)).map((o) => o.method);
    expect(everyEndpoint(appA).map(([m]) => m)).toEqual(ops);
  });
});

describe("validation", () => {
  const p = () => `/v1/apps/${appA.app_id}`;
  it.each([
    ["POST", "/chat/messages", { text: "   " }, "text", /1-300 chars/],
    ["POST", "/chat/messages", { text: "x".repeat(301) }, "text", /1-300/],
    ["POST", "/chat/messages", { text: "/mute kate" }, "text", /POST mutes/],
    ["POST", "/chat/messages", { text: "hi", channel: "Bad Channel" }, "channel", /a-z, 0-9/],
    ["POST", "/chat/messages", { text: "hi", as: "user" }, "as", /system/],
    ["POST", "/chat/messages", {}, "text", /string/],
    ["GET", "/chat/messages?limit=101", undefined, "limit", /100/],
    ["GET", "/chat/messages?before_id=abc", undefined, "before_id", /integer/],
    ["POST", "/mutes", { uname: "has space" }, "uname", /uname/],
    ["POST", "/mutes", { uname: "kate", acting_name: "x".repeat(33) }, "acting_name", /32/],
    ["POST", "/events", { name: "Bad Name!", data: 1 }, "name", /a-z, 0-9/],
    ["POST", "/events", { name: "ok" }, "data", /required/],
    ["POST", "/events", { name: "ok", data: 1, auth_id: -3 }, "auth_id", /positive/],
    ["POST", "/users/0/disconnect", {}, "auth_id", /positive/],
  ])("%s %s %j: 400 naming %s", async (method, path, body, field, message) => {
    const res = await call(api.url, keyA, method, `${p()}${path}`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ error: "INVALID_REQUEST", field });
    expect(res.body.message).toMatch(message);
    expect(errorShape(res.body)).toEqual([]);
  });

  it("answers 400 to a body that is not JSON, without internals", async () => {
    const res = await call(api.url, keyA, "POST", `${p()}/chat/messages`, "{not json");
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("INVALID_REQUEST");
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|node_modules|Error:/);
  });

  it("answers a duration /mute would refuse with 400 naming duration, the owner with 403 and an unknown user with 404", async () => {
    const mute = (body: object) => call(api.url, keyA, "POST", `${p()}/mutes`, body);
    const bad = await mute({ uname: appA.members[0]!.uname, duration: "10 parsecs" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: "INVALID_REQUEST", field: "duration" });
    expect((await mute({ uname: appA.owner.uname })).body).toMatchObject({ error: "FORBIDDEN" });
    expect((await mute({ uname: appA.owner.uname })).status).toBe(403);
    const unknown = await mute({ uname: "nobody_here" });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: "NOT_FOUND", message: "no user named nobody_here" });
  });

  it("answers 413 to a body above the limit and to data above 16 KiB", async () => {
    const huge = await call(api.url, keyA, "POST", `${p()}/events`, { name: "x", data: "y".repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe("PAYLOAD_TOO_LARGE");
    const big = await call(api.url, keyA, "POST", `${p()}/events`, { name: "x", data: "y".repeat(17_000) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: "PAYLOAD_TOO_LARGE", field: "data" });
    const fits = await call(api.url, keyA, "POST", `${p()}/events`, { name: "x", data: "y".repeat(16_000) });
    expect(fits.status).toBe(202);
  });

  it("answers 404 to an unknown route", async () => {
    const res = await call(api.url, keyA, "GET", "/v1/nothing");
    expect(res.status).toBe(404);
    expect(res.body.error).toBe("NOT_FOUND");
  });

  it("never logs a key", () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain(keyA);
      expect(line).not.toContain(keyB);
    }
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After past the per-key limit; other keys are not affected", async () => {
    const limited = await startApi(ns.nc, ns.namespace, { API_RATE_LIMIT: "3", API_RATE_WINDOW_MS: "2000" });
    try {
      const presence = (key: string, app: SeededApp) => call(limited.url, key, "GET", `/v1/apps/${app.app_id}/presence`);
      for (let i = 0; i < 3; i++) expect((await presence(keyA, appA)).status).toBe(200);
      const refused = await presence(keyA, appA);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe("RATE_LIMITED");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(2);
      expect((await presence(keyB, appB)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe("chat unavailable", () => {
  it("answers 503 within the RPC timeout when no chat runs and when chat does not answer", async () => {
    const other = await createTestNamespace();
    try {
      const writer = await openDirectoryWriter(other.nc, other.names);
      const app = await seedApp(writer, 0, "c");
      const { key } = await writer.createApiKey({ app_id: app.app_id });
      const lone = await startApi(other.nc, other.namespace, { RPC_TIMEOUT_MS: "1000" });
      try {
        const post = () => call(lone.url, key, "POST", `/v1/apps/${app.app_id}/chat/messages`, { text: "hi", as: "system" });
        let started = Date.now();
        const none = await post();
        expect(none.status).toBe(503);
        expect(none.body).toEqual({ error: "UNAVAILABLE", message: "chat did not answer; retry later" });
        expect(Date.now() - started).toBeLessThan(1_500);

        // A chat that takes requests and never answers (hung).
        const hung = other.nc.subscribe(other.names.rpc.chatAppPost, { callback: () => undefined });
        await other.nc.flush();
        started = Date.now();
        expect((await post()).status).toBe(503);
        const took = Date.now() - started;
        expect(took).toBeGreaterThanOrEqual(900);
        expect(took).toBeLessThan(1_500);
        hung.unsubscribe();
        // Events need no chat.
        expect((await call(lone.url, key, "POST", `/v1/apps/${app.app_id}/events`, { name: "x", data: 1 })).status).toBe(202);
      } finally {
        await lone.stop();
      }
    } finally {
      await other.cleanup();
    }
  });
});

describe("the NATS API", () => {
  it("serves the operations with the same schemas: a result, or the same error body", async () => {
    const cat = apiCatalogue(ns.names);
    const ask = async (subject: string, body: unknown) => (await ns.nc.request(subject, encode(body), { timeout: 5_000 })).json<any>();
    const posted = await ask(cat.chatPost.subject, { app_id: appA.app_id, text: "from nats", as: "system" });
    expect(posted).toMatchObject({ ok: true, result: { message: { text: "from nats", channel: "lobby" } } });
    const history = await ask(cat.chatHistory.subject, { app_id: appA.app_id, limit: 1 });
    expect(history.result.messages.map((m: { text: string }) => m.text)).toEqual(["from nats"]);
    expect(await ask(cat.events.subject, { app_id: appA.app_id, name: "x", data: { a: 1 } })).toEqual({ ok: true, result: { sent: true } });
    expect(await ask(cat.chatPost.subject, { app_id: appA.app_id, text: "" })).toMatchObject({ ok: false, error: "INVALID_REQUEST", field: "text" });
    expect(await ask(cat.presence.subject, { app_id: 999_999 })).toEqual({ ok: false, error: "NOT_FOUND", message: "no app 999999" });
  });
});
