/**
 * SIGTERM after abuse: connections an attacker leaves open (headers never finished, idle
 * keep-alives, sockets that never authenticate) must not hold a gateway past its stop.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, connected, type AnyClient } from "../support/clients";
import { spawnGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
const open: Array<Socket | AnyClient> = [];

beforeAll(async () => {
  ns = await createTestNamespace();
});

afterAll(async () => {
  for (const o of open) "destroy" in o ? o.destroy() : o.close();
  await ns?.cleanup();
});

function rawConnection(port: number, firstBytes: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => {
      s.write(firstBytes);
      resolve(s);
    });
    s.on("error", () => undefined);
    s.once("error", reject);
    open.push(s);
  });
}

describe("graceful stop under held connections", () => {
  it("a gateway holding unfinished requests, idle keep-alives and unauthenticated sockets exits 0 (not forced out at the 10 s deadline) on SIGTERM", async () => {
    const gw = await spawnGateway(ns.namespace);
    for (let i = 0; i < 30; i++) await rawConnection(gw.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    for (let i = 0; i < 30; i++) await rawConnection(gw.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n");
    for (let i = 0; i < 10; i++) {
      const c = connectClient(gw.url, 4, { transports: ["polling"] });
      open.push(c);
      await connected(c);
    }
    const t0 = Date.now();
    const code = await gw.kill("SIGTERM");
    const took = Date.now() - t0;
    expect({ code, took: took < 10_000 }).toEqual({ code: 0, took: true });
  });
});

describe("graceful stop after a flood", () => {
  it("bet-stream with a flood of bets still in its buffers exits 0 (not forced out at the 10 s deadline) on SIGTERM", async () => {
    const { spawnBetStream } = await import("../support/bet-stream");
    const { createBetGenerator } = await import("@socketpot/simulator");
    const bets = await spawnBetStream(ns.namespace);
    const gen = createBetGenerator();
    const payloads = Array.from({ length: 500 }, (_, i) => new TextEncoder().encode(JSON.stringify(gen.next(i + 1))));
    // Far more than the service validates in 5 s, published without waiting.
    for (let i = 0; i < 300_000; i++) ns.nc.publish(ns.names.upstream.bets(1 + (i % 500)), payloads[i % 500]!);
    await ns.nc.flush();
    const t0 = Date.now();
    const code = await bets.kill("SIGTERM");
    const took = Date.now() - t0;
    expect({ code, took: took < 10_000 }, `stopped in ${took} ms; its last lines:\n${bets.output().slice(-3_000)}`).toEqual({ code: 0, took: true });
  }, 60_000);
});
