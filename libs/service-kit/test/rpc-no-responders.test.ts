/**
 * createRpcClient when nobody serves the subject yet, on a real NATS server: a service
 * that (re)subscribes within the caller's timeout still answers the call (a NATS node
 * failover or a service restart leaves a moment with no responder), an entry marked
 * `waitForResponder: false` fails at once, and a service that never comes fails within
 * the timeout after a few sends (pauses doubling from 100 ms to 1 s), not one every 100 ms.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { createRpcClient, registerService, serveRpc, type Service } from "@socketpot/service-kit";

const base = `t_${Math.random().toString(36).slice(2)}.rpc`;
const echo = (name: string, extra: object = {}) => ({ subject: `${base}.${name}`, request: z.object({ n: z.number() }), result: z.object({ n: z.number() }), ...extra });
const log = pino({ level: "silent" });
let nc: NatsConnection;
const services: Service[] = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
});
afterAll(async () => {
  for (const s of services) await s.stop();
  await nc?.close();
});

async function serveLater(entry: ReturnType<typeof echo>, afterMs: number): Promise<void> {
  await new Promise((r) => setTimeout(r, afterMs));
  const service = await registerService(nc, { name: "no-responders-test", version: "0.0.1", description: "test" }, "t");
  services.push(service);
  serveRpc(service, entry.subject.split(".").at(-1)!, entry, async (req) => ({ n: req.n }), log);
  await nc.flush();
}

describe("rpc calls without a responder", () => {
  it("answers once a service subscribes within the timeout", async () => {
    const entry = echo("late");
    const t0 = Date.now();
    const [reply] = await Promise.all([createRpcClient(nc, log, 3_000).call(entry, { n: 7 }), serveLater(entry, 400)]);
    expect(reply).toEqual({ ok: true, result: { n: 7 } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });

  it("fails at once for an entry that does not wait for a responder", async () => {
    const t0 = Date.now();
    expect(await createRpcClient(nc, log, 3_000).call(echo("absent", { waitForResponder: false }), { n: 1 })).toEqual({ ok: false, error: "INTERNAL_ERROR" });
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("fails within the timeout when no service ever comes", async () => {
    const t0 = Date.now();
    expect(await createRpcClient(nc, log, 600).call(echo("never"), { n: 1 })).toEqual({ ok: false, error: "INTERNAL_ERROR" });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(500);
    expect(took).toBeLessThan(1_200);
  });

  it("sends a call that never finds a responder a few times over its timeout, not every 100 ms", async () => {
    const own = await connect({ servers: inject("natsUrl") });
    try {
      const before = own.stats().outMsgs;
      expect(await createRpcClient(own, log, 3_000).call(echo("absent-long"), { n: 1 })).toEqual({ ok: false, error: "INTERNAL_ERROR" });
      // 0, 0.1, 0.3, 0.7, 1.5, 2.5 s and the last before 3 s: at most 7 sends (30 at a fixed 100 ms).
      expect(own.stats().outMsgs - before).toBeLessThanOrEqual(7);
    } finally {
      await own.close();
    }
  });
});
