import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connected, connectClient, once, request, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let gw: RunningGateway;
let app: SeededApp;
const clients: AnyClient[] = [];

async function fresh(): Promise<AnyClient & { errors: string[] }> {
  const c = connectClient(gw.url) as AnyClient & { errors: string[] };
  c.errors = [];
  c.on("client_error", (t: string) => c.errors.push(t));
  clients.push(c);
  await connected(c);
  return c;
}

/** The next client_error, or fail. */
function nextError(c: AnyClient): Promise<string> {
  return once<string>(c, "client_error", 5_000);
}

beforeAll(async () => {
  ns = await createTestNamespace();
  const writer = await openDirectoryWriter(ns.nc, ns.names);
  app = await seedApp(writer, 1);
  gw = await startGateway(ns.nc, ns.namespace, { MAX_EVENT_BYTES: "2048", MAX_FRAME_BYTES: "100000" });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  await ns?.cleanup();
});

describe("malformed auth requests get a client_error and INVALID_REQUEST", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["a string payload", "hello", /must be an object/],
    ["an array payload", [1, 2], /must be an object/],
    ["no payload at all", undefined, /must be an object/],
    ["a missing app_id", { subscriptions: ["CHAT"] }, /app_id/],
    ["a string app_id", { app_id: "1", subscriptions: ["CHAT"] }, /app_id: must be an integer, got string "1"/],
    ["a fractional app_id", { app_id: 1.5, subscriptions: ["CHAT"] }, /app_id/],
    ["missing subscriptions", { app_id: 1 }, /subscriptions/],
    ["an unknown subscription", { app_id: 1, subscriptions: ["CHAT", "NEWS"] }, /subscriptions/],
    ["empty subscriptions", { app_id: 1, subscriptions: [] }, /one or more/],
    ["a numeric access_token", { app_id: 1, subscriptions: ["BETS"], access_token: 12 }, /access_token/],
  ];
  it.each(cases)("%s", async (_name, payload, message) => {
    const c = await fresh();
    const error = nextError(c);
    const [err, res] = await request(c, "auth", payload);
    expect(err).toBe("INVALID_REQUEST");
    expect(res).toBeUndefined();
    expect(await error).toMatch(message);
    expect(c.connected).toBe(true);
  });
});

describe("other client mistakes", () => {
  it("auth without a callback gets a client_error naming the callback", async () => {
    const c = await fresh();
    const error = nextError(c);
    c.emit("auth", { app_id: app.app_id, subscriptions: ["BETS"] });
    expect(await error).toMatch(/callback function/);
  });

  it("an unknown app_id gets UNKNOWN_APP and may retry with the right one", async () => {
    const c = await fresh();
    const error = nextError(c);
    const [err] = await request(c, "auth", { app_id: 999_999_999, subscriptions: ["BETS"] });
    expect(err).toBe("UNKNOWN_APP");
    expect(await error).toMatch(/Unknown app_id 999999999/);
    const [err2, res2] = await request<any>(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] });
    expect(err2).toBeNull();
    expect(res2.subscriptions).toEqual(["BETS"]);
  });

  it("a second auth gets ALREADY_AUTHENTICATED", async () => {
    const c = await fresh();
    expect((await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] }))[0]).toBeNull();
    const error = nextError(c);
    const [err] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] });
    expect(err).toBe("ALREADY_AUTHENTICATED");
    expect(await error).toMatch(/already/);
  });

  it("an oversized event gets a client_error with the limit, and the socket stays usable", async () => {
    const c = await fresh();
    const error = nextError(c);
    const [err] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"], padding: "x".repeat(5_000) });
    expect(err).toBe("INVALID_REQUEST");
    expect(await error).toMatch(/limit is 2048 bytes/);
    const [err2] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] });
    expect(err2).toBeNull();
  });

  it("a frame above the transport cap closes that connection only", async () => {
    const c = await fresh();
    const disconnected = once(c, "disconnect");
    c.emit("auth", { app_id: app.app_id, subscriptions: ["BETS"], padding: "x".repeat(200_000) }, () => undefined);
    await disconnected;
    const other = await fresh();
    expect((await request(other, "auth", { app_id: app.app_id, subscriptions: ["BETS"] }))[0]).toBeNull();
  });

  it("an unknown event gets a client_error listing the accepted events", async () => {
    const c = await fresh();
    const error = nextError(c);
    c.emit("subscribe", { foo: 1 });
    expect(await error).toMatch(/Unknown event "subscribe".*auth/);
  });

  it("new_message before auth gets NOT_AUTHENTICATED", async () => {
    const c = await fresh();
    const error = nextError(c);
    const [err] = await request(c, "new_message", { text: "hi" });
    expect(err).toBe("NOT_AUTHENTICATED");
    expect(await error).toMatch(/authenticate first/);
  });

  it("survives a burst of garbage from many sockets and keeps serving", async () => {
    const garbage: unknown[] = [null, 0, true, "x", [], {}, { app_id: {} }, { app_id: 1, subscriptions: [{}] }];
    const sockets = await Promise.all(Array.from({ length: 20 }, () => fresh()));
    await Promise.all(sockets.flatMap((c) => garbage.map((g) => request(c, "auth", g))));
    for (const c of sockets) c.emit("auth");
    for (const c of sockets) c.emit("new_message", 1, 2, 3);
    const c = await fresh();
    const [err, res] = await request<any>(c, "auth", { app_id: app.app_id, access_token: app.owner.token, subscriptions: ["BETS"] });
    expect(err).toBeNull();
    expect(res.user.role).toBe("OWNER");
  });

  it("releases per-socket state when sockets go away", async () => {
    const before = gw.gateway.stats();
    const sockets = await Promise.all(Array.from({ length: 30 }, () => fresh()));
    await Promise.all(
      sockets.map((c) => request(c, "auth", { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["BETS", "DEPOSITS"] })),
    );
    expect(gw.gateway.stats().rooms).toBeGreaterThan(before.rooms);
    for (const c of sockets) c.close();
    const until = Date.now() + 5_000;
    while (gw.gateway.stats().sockets > before.sockets - 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const after = gw.gateway.stats();
    expect(after.rooms).toBeLessThanOrEqual(before.rooms);
  });
});
