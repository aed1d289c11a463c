/**
 * serveRpc and the deadline its callers send (RPC_DEADLINE_HEADER), on a real NATS server:
 * a request past its deadline never reaches the handler and is counted, also when its
 * deadline passes while it waits in the endpoint's queue; a request without the header (an
 * older caller) is served.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { RPC_DEADLINE_HEADER, decode, encode } from "@socketpot/contracts";
import { pino } from "pino";
import { createRpcClient, registerService, serveRpc, type RpcEndpointStats, type Service } from "@socketpot/service-kit";

const entry = { subject: `t_${Math.random().toString(36).slice(2)}.rpc.echo`, request: z.object({ n: z.number() }), result: z.object({ n: z.number() }) };
const log = pino({ level: "silent" });
let nc: NatsConnection;
let service: Service;
let stats: RpcEndpointStats;
let queuedStats: RpcEndpointStats;
const handled: number[] = [];
const slow = { ...entry, subject: `${entry.subject}.slow` };
let unblock: () => void = () => undefined;

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  service = await registerService(nc, { name: "deadline-test", version: "0.0.1", description: "test" }, "t");
  stats = serveRpc(service, "echo", entry, async (req) => (handled.push(req.n), { n: req.n }), log);
  // One at a time: the first request holds the slot until unblocked.
  queuedStats = serveRpc(
    service,
    "slow",
    slow,
    async (req) => {
      handled.push(req.n);
      if (req.n === 10) await new Promise<void>((r) => (unblock = r));
      return { n: req.n };
    },
    log,
    { bounds: { concurrency: 1, queued: 5, perKey: 5, key: () => "k" } },
  );
  await nc.flush();
});

afterAll(async () => {
  await service?.stop();
  await nc?.close();
});

describe("serveRpc deadlines", () => {
  it("drops a request whose deadline has passed without running the handler", async () => {
    const h = headers();
    h.set(RPC_DEADLINE_HEADER, String(Date.now() - 1));
    await expect(nc.request(entry.subject, encode({ n: 1 }), { timeout: 300, headers: h })).rejects.toThrow();
    expect(handled).not.toContain(1);
    expect(stats.expired).toBe(1);
  });

  it("serves a request without a deadline, and one within it", async () => {
    const bare = await nc.request(entry.subject, encode({ n: 2 }), { timeout: 2_000 });
    expect(decode(z.object({ ok: z.literal(true) }).loose(), bare.data).ok).toBe(true);
    const reply = await createRpcClient(nc, log, 2_000).call(entry, { n: 3 });
    expect(reply).toEqual({ ok: true, result: { n: 3 } });
    expect(handled).toEqual([2, 3]);
    expect(stats.expired).toBe(1);
  });

  it("drops a request whose deadline passes while it waits in the queue", async () => {
    const client = createRpcClient(nc, log, 300);
    const first = createRpcClient(nc, log, 5_000).call(slow, { n: 10 });
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.call(slow, { n: 11 })).toEqual({ ok: false, error: "INTERNAL_ERROR" });
    unblock();
    expect(await first).toEqual({ ok: true, result: { n: 10 } });
    await nc.flush();
    expect(handled).not.toContain(11);
    expect(queuedStats.expired).toBe(1);
  });
});
