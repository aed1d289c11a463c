import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DirectoryReader, openDirectoryBucket } from "@socketpot/service-kit";
import { DEMO_USERS, DemoInfo, demoEnabled, demoInfo, demoUrl, seedDemo } from "@socketpot/simulator";
import { readDemoFile, writeDemoFile } from "../../scripts/dev/demo-file";
import { connected, connectClient, request } from "../support/clients";
import type { RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { useServers } from "../support/servers";

const dir = mkdtempSync(path.join(tmpdir(), "socketpot-demo-"));
const demoFile = path.join(dir, "demo.json");
const servers = useServers({
  gateways: { withDemo: { DEMO_FILE: demoFile }, withoutDemo: {} },
  async beforeGateways({ ns }) {
    demo = demoInfo(await seedDemo(ns.nc, ns.names, 41), ns.names);
    await writeDemoFile(demoFile, demo);
  },
});
let ns: TestNamespace;
let demo: DemoInfo;
let withDemo: RunningGateway;
let withoutDemo: RunningGateway;

beforeAll(() => {
  ({ ns, gateways: { withDemo, withoutDemo } } = servers);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("demo seeding", () => {
  it("creates an app with an owner, a mod and members whose tokens resolve to those roles", async () => {
    const reader = new DirectoryReader(await openDirectoryBucket(ns.nc, ns.names));
    const app = await reader.getApp(41);
    expect(app?.name).toBe("Socketpot demo");
    expect(demo.users.map((u) => [u.uname, u.role])).toEqual(DEMO_USERS.map((u) => [u.uname, u.role]));
    for (const user of demo.users) {
      const resolved = await reader.resolveToken(app!, user.token);
      expect(resolved?.user).toEqual({ uname: user.uname, auth_id: user.auth_id, role: user.role });
    }
  });

  it("is idempotent: a second start keeps the same users, ids and tokens", async () => {
    const again = demoInfo(await seedDemo(ns.nc, ns.names, 41), ns.names);
    expect(again).toEqual(demo);
    expect(await readDemoFile(demoFile)).toEqual(demo);
  });

  it("is on in development and off with NODE_ENV=production or SOCKETPOT_DEMO=off", () => {
    expect(demoEnabled({})).toBe(true);
    expect(demoEnabled({ NODE_ENV: "development" })).toBe(true);
    expect(demoEnabled({ NODE_ENV: "production" })).toBe(false);
    expect(demoEnabled({ SOCKETPOT_DEMO: "off" })).toBe(false);
    expect(demoEnabled({ SOCKETPOT_DEMO: "0" })).toBe(false);
    expect(demoEnabled({ SOCKETPOT_DEMO: "on" })).toBe(true);
  });

  it("prints page URLs that sign in through the hash, never the query string", () => {
    const user = demo.users[0]!;
    expect(demoUrl("http://localhost:3000", 41, user)).toBe(`http://localhost:3000/#app_id=41&token=${user.token}`);
    expect(demoUrl("http://localhost:3000", 41)).toBe("http://localhost:3000/#app_id=41");
  });
});

describe("the gateway serves the demo page", () => {
  it.each([
    ["/", "text/html", "<title>Socketpot demo</title>"],
    ["/demo.js", "text/javascript", "textContent"],
    ["/demo.css", "text/css", ".msg-system"],
    ["/socket.io/socket.io.js", "javascript", "io"],
  ])("GET %s", async (route, type, body) => {
    const res = await fetch(withoutDemo.url + route);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain(type);
    expect(await res.text()).toContain(body);
  });

  it("serves /demo.json only when the gateway was given a demo file", async () => {
    const served = await fetch(withDemo.url + "/demo.json");
    expect(served.status).toBe(200);
    expect(DemoInfo.parse(await served.json())).toEqual(demo);
    expect((await fetch(withoutDemo.url + "/demo.json")).status).toBe(404);
  });

  it("keeps socket.io long-polling working next to the static routes", async () => {
    // Browsers start with polling; a static handler answering /socket.io/ requests too
    // would break them (and crash the gateway with ERR_HTTP_HEADERS_SENT).
    const c = connectClient(withoutDemo.url, 4, { transports: ["polling"] });
    servers.clients.push(c);
    await connected(c);
    const [err, res] = await request<{ subscriptions: string[] }>(c, "auth", { app_id: 41, subscriptions: ["BETS"] });
    expect(err).toBeNull();
    expect(res?.subscriptions).toEqual(["BETS"]);
    const again = await request(c, "auth", { app_id: 41, subscriptions: ["BETS"] });
    expect(again[0]).toBe("ALREADY_AUTHENTICATED");
  });
});
