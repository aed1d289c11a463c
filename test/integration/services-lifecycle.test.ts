import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { Svcm } from "@nats-io/services";
import { servicePath, spawnService, ROOT } from "../support/gateway";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";
import { servicePresent } from "../support/services";

let ns: TestNamespace;

beforeAll(async () => {
  ns = await createTestNamespace();
});
afterAll(async () => {
  await ns?.cleanup();
});

const services = [
  ["chat", "socketpot-chat"],
  ["wallet-watcher", "socketpot-wallet-watcher"],
  ["bet-stream", "socketpot-bet-stream"],
  ["api", "socketpot-api"],
] as const;

describe.each(services)("%s", (dir, serviceName) => {
  it("registers as a NATS service (ping, info, stats) and stops gracefully on SIGTERM", async () => {
    const svc = await spawnService(
      servicePath(dir),
      { SOCKETPOT_NAMESPACE: ns.namespace, DATABASE_URL: inject("databaseUrl"), API_PORT: "0", API_HOST: "127.0.0.1" },
      () => servicePresent(ns.nc, serviceName, ns.namespace),
      45_000,
    );
    try {
      const client = new Svcm(ns.nc).client({ strategy: "timer", maxWait: 1_000 });
      const pings = [];
      for await (const p of await client.ping(serviceName)) pings.push(p);
      expect(pings.length).toBeGreaterThan(0);
      const stats = [];
      for await (const s of await client.stats(serviceName)) stats.push(s);
      expect(stats.some((s) => s.name === serviceName)).toBe(true);
    } finally {
      expect(await svc.kill("SIGTERM")).toBe(0);
    }
    expect(await servicePresent(ns.nc, serviceName, ns.namespace)).toBe(false);
  });
});

describe("configuration", () => {
  it.each(["gateway", "chat", "wallet-watcher", "bet-stream", "api"])("%s refuses a bad config with a clear message", (dir) => {
    const result = spawnSync(process.execPath, ["--import", "tsx", servicePath(dir)], {
      cwd: ROOT,
      env: { ...process.env, NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: "bad.namespace", LOG_LEVEL: "info" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/invalid configuration[\s\S]*SOCKETPOT_NAMESPACE/);
  });

  it("a service says what to start when NATS is unreachable", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", servicePath("bet-stream")], {
      cwd: ROOT,
      env: { ...process.env, NATS_URL: "nats://127.0.0.1:1", LOG_LEVEL: "info" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/cannot reach NATS at nats:\/\/127.0.0.1:1.*nats-server -js/);
  });
});
