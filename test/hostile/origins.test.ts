/**
 * Which pages may use a gateway: CORS never allows credentials except for the Engine.IO v3
 * polling requests whose clients always send them, and an app with `allowed_origins` refuses
 * sockets from other pages at auth (FORBIDDEN and a client_error).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { connectClient, connected, record, request, waitFor, type AnyClient } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import { useServers } from "../support/servers";

const servers = useServers({
  apps: { app: 1 },
  gateways: { gw: {} },
  async beforeGateways({ writer, apps }) {
    await writer.setAllowedOrigins((await writer.getApp(apps.app.app_id))!, ["https://dice.example"]);
  },
});
let gw: RunningGateway;
let app: SeededApp;

beforeAll(() => {
  ({ apps: { app }, gateways: { gw } } = servers);
});

async function socketFrom(origin: string | undefined, version: 1 | 2 | 4 = 4): Promise<AnyClient> {
  const c = connectClient(gw.url, version, origin ? { extraHeaders: { Origin: origin } } : {});
  servers.clients.push(c);
  await connected(c);
  return c;
}

const polling = (eio: 3 | 4, origin: string) =>
  fetch(`${gw.url}/socket.io/?EIO=${eio}&transport=polling&t=x`, { headers: { Origin: origin } });

describe("CORS", () => {
  it("reflects the page's origin without allowing credentials for Engine.IO v4 servers.clients", async () => {
    const res = await polling(4, "https://any.example");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://any.example");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("allows credentials for Engine.IO v3 polling, which socket.io-client 1.x/2.x always send", async () => {
    const res = await polling(3, "https://any.example");
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://any.example");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
  });
});

describe("an app's allowed origins", () => {
  it("admits a socket from a listed page", async () => {
    const c = await socketFrom("https://dice.example");
    const [err, res] = await request<{ user: { uname: string } }>(c, "auth", { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["BETS"] });
    expect(err).toBeNull();
    expect(res!.user.uname).toBe(app.members[0]!.uname);
  });

  it.each([1, 2, 4] as const)("refuses a socket.io-client %i socket from another page with FORBIDDEN and a client_error", async (version) => {
    const c = await socketFrom("https://evil.example", version);
    const errors = record(c, ["client_error"]);
    const [err, res] = await request(c, "auth", { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["BETS", "DEPOSITS"] });
    expect(err).toBe("FORBIDDEN");
    expect(res).toBeUndefined();
    await waitFor(() => errors.length === 1, 5_000, "client_error");
    expect(errors[0]!.payload).toMatch(/does not allow sockets from the page "https:\/\/evil.example"/);
  });

  it("admits a client that sends no Origin (a server, not a browser page)", async () => {
    const c = await socketFrom(undefined);
    const [err] = await request(c, "auth", { app_id: app.app_id, subscriptions: ["BETS"] });
    expect(err).toBeNull();
  });
});
