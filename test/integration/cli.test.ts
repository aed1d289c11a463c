import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connected, connectClient, once, request, type AnyClient } from "../support/clients";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";
import { runCli } from "../support/cli";

let ns: TestNamespace;
let gw: RunningGateway;
const clients: AnyClient[] = [];

const cli = (...args: string[]) => runCli(ns.namespace, ...args);

beforeAll(async () => {
  ns = await createTestNamespace();
  gw = await startGateway(ns.nc, ns.namespace);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  await ns?.cleanup();
});

describe("directory CLI", () => {
  it("creates an app, users and a mod, issues tokens that authenticate, and revokes them", async () => {
    const owner = JSON.parse(await cli("directory", "user", "create", "--uname", "Ryan"));
    const mod = JSON.parse(await cli("directory", "user", "create", "--uname", "sarah"));
    const app = JSON.parse(await cli("directory", "app", "create", "--name", "Dice", "--owner", "ryan"));
    expect(app.owner_auth_id).toBe(owner.auth_id);
    await cli("directory", "mod", "add", "--app", String(app.id), "--user", "sarah");
    const token = await cli("directory", "token", "issue", "--app", String(app.id), "--user", "sarah");
    expect(token).toMatch(/^[0-9a-f-]{36}$/);

    const c = connectClient(gw.url);
    clients.push(c);
    await connected(c);
    const [err, res] = await request<any>(c, "auth", { app_id: app.id, access_token: token, subscriptions: ["BETS"] });
    expect(err).toBeNull();
    expect(res.user).toEqual({ uname: "sarah", auth_id: mod.auth_id, role: "MOD" });

    const disconnected = once(c, "disconnect");
    await cli("directory", "token", "revoke", "--token", token);
    await disconnected;
  });

  it("refuses a duplicate uname in any letter case", async () => {
    await cli("directory", "user", "create", "--uname", "kate", "--id", "500");
    await expect(cli("directory", "user", "create", "--uname", "KATE", "--id", "501")).rejects.toThrow(/taken/);
  });

  it("explains a missing flag with the usage", async () => {
    await expect(cli("directory", "app", "create", "--name", "x")).rejects.toThrow(/--owner is required/);
  });
});
