/**
 * serveRpc's `answers` option on a real NATS server: with state split between instances,
 * every instance hears a request and only the one that answers for it replies.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { RpcReply, decode, encode } from "@socketpot/contracts";
import { pino } from "pino";
import { registerService, serveRpc, type Service } from "@socketpot/service-kit";

const entry = { subject: `t_${Math.random().toString(36).slice(2)}.rpc.owner`, request: z.object({ n: z.number() }), result: z.object({ owner: z.string() }) };
const log = pino({ level: "silent" });
let nc: NatsConnection;
const services: Service[] = [];

/** Every reply to one request within 300 ms. */
async function replies(payload: unknown): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const msg of await nc.requestMany(entry.subject, encode(payload), { strategy: "timer", maxWait: 300 })) {
    const decoded = decode(RpcReply(entry.result), msg.data);
    out.push(decoded.ok ? decoded.value : decoded.error);
  }
  return out;
}

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  // "even" answers for even n, "odd" for odd n; nobody answers for negative n.
  for (const [owner, parity] of [["even", 0], ["odd", 1]] as const) {
    const service = await registerService(nc, { name: `answers-${owner}`, version: "0.0.1", description: "test" }, "t", { everyInstance: true });
    serveRpc(service, "owner", entry, async () => ({ owner }), log, { answers: (req) => req.n >= 0 && Math.abs(req.n % 2) === parity });
    services.push(service);
  }
  await nc.flush();
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await nc?.close();
});

describe("serveRpc answers", () => {
  it("is answered once, by the instance that answers for the request", async () => {
    expect(await replies({ n: 4 })).toEqual([{ ok: true, result: { owner: "even" } }]);
    expect(await replies({ n: 7 })).toEqual([{ ok: true, result: { owner: "odd" } }]);
  });

  it("gets no reply when no instance answers for the request", async () => {
    expect(await replies({ n: -1 })).toEqual([]);
  });

  it("answers an invalid request INVALID_REQUEST from every instance", async () => {
    const all = await replies({ n: "x" });
    expect(all).toHaveLength(2);
    for (const reply of all) expect(reply).toMatchObject({ ok: false, error: "INVALID_REQUEST" });
  });
});
