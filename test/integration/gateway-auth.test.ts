import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { connected, connectClient, once, request, type AnyClient, type ClientVersion } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let gw: RunningGateway;
let writer: DirectoryWriter;
let app: SeededApp;
const clients: AnyClient[] = [];

function client(version: ClientVersion = 4): AnyClient {
  const c = connectClient(gw.url, version);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  ns = await createTestNamespace();
  writer = await openDirectoryWriter(ns.nc, ns.names);
  app = await seedApp(writer);
  gw = await startGateway(ns.nc, ns.namespace);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  await ns?.cleanup();
});

describe("auth", () => {
  it.each([4, 2, 1] as const)("socket.io-client %s.x authenticates and gets its user back", async (version) => {
    const c = client(version);
    await connected(c);
    const [err, res] = await request<any>(c, "auth", {
      app_id: app.app_id,
      access_token: app.members[0]!.token,
      subscriptions: ["BETS", "DEPOSITS"],
    });
    expect(err).toBeNull();
    expect(res).toEqual({
      user: { uname: app.members[0]!.uname, auth_id: app.members[0]!.auth_id, role: "MEMBER" },
      subscriptions: ["BETS", "DEPOSITS"],
      // Socketpot addition for DEPOSITS: the user's snapshot (no deposits yet).
      deposits: { unconfirmed_balance: 0, seq: 0 },
    });
  });

  it("gives the app's owner OWNER and its staff MOD", async () => {
    for (const [who, role] of [
      [app.owner, "OWNER"],
      [app.mod, "MOD"],
    ] as const) {
      const c = client();
      await connected(c);
      const [err, res] = await request<any>(c, "auth", { app_id: app.app_id, access_token: who.token, subscriptions: ["BETS"] });
      expect(err).toBeNull();
      expect(res.user).toEqual({ uname: who.uname, auth_id: who.auth_id, role });
    }
  });

  it("answers an invalid token without a user and drops DEPOSITS", async () => {
    const c = client();
    await connected(c);
    const [err, res] = await request<any>(c, "auth", {
      app_id: app.app_id,
      access_token: "00000000-0000-4000-8000-000000000000",
      subscriptions: ["BETS", "DEPOSITS"],
    });
    expect(err).toBeNull();
    expect(res).toEqual({ subscriptions: ["BETS"] });
  });

  it("does not honour an expired token or a token of another app", async () => {
    const other = await seedApp(writer, 0);
    const expired = await writer.issueToken({ app_id: app.app_id, auth_id: app.members[1]!.auth_id, ttl_seconds: -1 });
    for (const token of [expired, other.owner.token]) {
      const c = client();
      await connected(c);
      const [err, res] = await request<any>(c, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["BETS"] });
      expect(err).toBeNull();
      expect(res.user).toBeUndefined();
    }
  });

  it("replies with empty subscriptions and then disconnects when nothing could be granted", async () => {
    const c = client();
    await connected(c);
    const errors: string[] = [];
    c.on("client_error", (t: string) => errors.push(t));
    const disconnected = once(c, "disconnect");
    const [err, res] = await request<any>(c, "auth", { app_id: app.app_id, subscriptions: ["DEPOSITS"] });
    expect(err).toBeNull();
    expect(res).toEqual({ subscriptions: [] });
    await disconnected;
    expect(errors.join()).toMatch(/DEPOSITS/);
  });

  it("disconnects a socket that does not authenticate in time, with a client_error first", async () => {
    const quick = await startGateway(ns.nc, ns.namespace, { AUTH_TIMEOUT_MS: "300" });
    try {
      const c = connectClient(quick.url);
      clients.push(c);
      const error = once<string>(c, "client_error");
      const disconnected = once(c, "disconnect");
      await connected(c);
      expect(await error).toMatch(/No auth request within/);
      await disconnected;
    } finally {
      await quick.stop();
    }
  });

  it("keeps an authenticated socket past the deadline", async () => {
    const quick = await startGateway(ns.nc, ns.namespace, { AUTH_TIMEOUT_MS: "300" });
    try {
      const c = connectClient(quick.url);
      clients.push(c);
      await connected(c);
      const [err] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] });
      expect(err).toBeNull();
      await new Promise((r) => setTimeout(r, 600));
      expect(c.connected).toBe(true);
    } finally {
      await quick.stop();
    }
  });
});

describe("token revocation", () => {
  it("disconnects sockets of a token revoked while connected, and the token no longer authenticates", async () => {
    const token = await writer.issueToken({ app_id: app.app_id, auth_id: app.members[1]!.auth_id });
    const c = client();
    await connected(c);
    const [, res] = await request<any>(c, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["BETS"] });
    expect(res.user.auth_id).toBe(app.members[1]!.auth_id);
    const error = once<string>(c, "client_error");
    const disconnected = once(c, "disconnect");
    await writer.revokeToken(token);
    expect(await error).toMatch(/revoked/);
    await disconnected;

    const again = client();
    await connected(again);
    const [, res2] = await request<any>(again, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["BETS"] });
    expect(res2.user).toBeUndefined();
  });

  it("disconnects a socket when its token expires", async () => {
    const token = await writer.issueToken({ app_id: app.app_id, auth_id: app.members[1]!.auth_id, ttl_seconds: 1 });
    const c = client();
    await connected(c);
    const [, res] = await request<any>(c, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["BETS"] });
    expect(res.user).toBeDefined();
    expect(await once<string>(c, "client_error", 5_000)).toMatch(/expired/);
  });
});

describe("health", () => {
  it("answers /healthz and /readyz", async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${gw.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});
