/**
 * The gateway keeps apps and their staff in memory (DirectoryCache) and drops them when a KV
 * watch says they changed: a change made by Moneypot must be seen by the next auths within a
 * second, after the cache was filled, and a revoked token must cut its socket within a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { connected, connectClient, once, request, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

const WITHIN_MS = 1_000;

let ns: TestNamespace;
let gw: RunningGateway;
let writer: DirectoryWriter;
let app: SeededApp;
const clients: AnyClient[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  writer = await openDirectoryWriter(ns.nc, ns.names);
  app = await seedApp(writer, 3);
  gw = await startGateway(ns.nc, ns.namespace);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  await ns?.cleanup();
});

async function auth(token: string, origin?: string): Promise<[string | null, any]> {
  const c = connectClient(gw.url, 4, origin ? { extraHeaders: { Origin: origin } } : {});
  clients.push(c);
  await connected(c);
  const reply = await request<any>(c, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["BETS"] });
  c.close();
  return reply as [string | null, any];
}

/** Auths from fresh sockets until `seen` holds for the reply; the time from `since` it took. */
async function timeUntil(since: number, attempt: () => Promise<[string | null, any]>, seen: (r: [string | null, any]) => boolean): Promise<number> {
  for (;;) {
    const reply = await attempt();
    const elapsed = performance.now() - since;
    if (seen(reply) || elapsed > 5 * WITHIN_MS) return elapsed;
  }
}

describe("directory changes reach the gateway's auths", () => {
  it("sees a user made mod, and no longer mod, within a second", async () => {
    const user = app.members[0]!;
    // Twice: the second auth is answered from what the first put in memory.
    for (let i = 0; i < 2; i++) expect((await auth(user.token))[1].user.role).toBe("MEMBER");

    let t0 = performance.now();
    await writer.addMod(app.app_id, user.auth_id);
    expect(await timeUntil(t0, () => auth(user.token), ([, r]) => r?.user?.role === "MOD")).toBeLessThan(WITHIN_MS);
    expect((await auth(user.token))[1].user.role).toBe("MOD");

    t0 = performance.now();
    await writer.removeMod(app.app_id, user.auth_id);
    expect(await timeUntil(t0, () => auth(user.token), ([, r]) => r?.user?.role === "MEMBER")).toBeLessThan(WITHIN_MS);
  });

  it("sees a change to the app (its allowed origins) within a second", async () => {
    const user = app.members[1]!;
    const page = "https://elsewhere.example";
    for (let i = 0; i < 2; i++) expect((await auth(user.token, page))[0]).toBeNull();

    const t0 = performance.now();
    await writer.setAllowedOrigins((await writer.getApp(app.app_id))!, ["https://dice.example"]);
    expect(await timeUntil(t0, () => auth(user.token, page), ([err]) => err === "FORBIDDEN")).toBeLessThan(WITHIN_MS);
    expect((await auth(user.token, "https://dice.example"))[0]).toBeNull();
    await writer.setAllowedOrigins((await writer.getApp(app.app_id))!, []);
  });

  it("cuts a socket whose token is revoked within a second, and the token no longer authenticates", async () => {
    const user = app.members[2]!;
    const c = connectClient(gw.url);
    clients.push(c);
    await connected(c);
    const [err] = await request<any>(c, "auth", { app_id: app.app_id, access_token: user.token, subscriptions: ["BETS"] });
    expect(err).toBeNull();
    const gone = once(c, "disconnect");
    const t0 = performance.now();
    await writer.revokeToken(user.token);
    await gone;
    expect(performance.now() - t0).toBeLessThan(WITHIN_MS);
    const [again, res] = await auth(user.token);
    expect(again).toBeNull();
    expect(res.user).toBeUndefined();
  });
});
