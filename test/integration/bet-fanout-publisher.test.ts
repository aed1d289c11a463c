/**
 * bet-stream's fan-out publisher thread, against a real NATS server: every message of every
 * batch arrives, each app's in order; close() returns once they are out; and when the
 * thread cannot connect, the service's own connection publishes them instead.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { MAX_BETS_PER_MESSAGE } from "@socketpot/contracts";
import { FanoutPublisher } from "@socketpot/bet-stream";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";

const APPS = 50;
const text = new TextEncoder();

/** Publishes `batches` batches of `perApp` bets per app ({"app":a,"n":n}), returns the bets' n that arrived, per app. */
async function roundTrip(ns: TestNamespace, url: string, batches: number, perApp: number) {
  const received = new Map<number, number[]>();
  const sub = ns.nc.subscribe(ns.names.fanout.bets(1).replace(/1$/, "*"), {
    callback: (_err, msg) => {
      const { bets } = JSON.parse(new TextDecoder().decode(msg.data)) as { bets: { app: number; n: number }[] };
      for (const bet of bets) {
        const list = received.get(bet.app) ?? [];
        list.push(bet.n);
        received.set(bet.app, list);
      }
    },
  });
  await ns.nc.flush();
  const errors: string[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => errors.push(line) });
  const publisher = new FanoutPublisher({ natsUrl: url, name: "test-fanout", subjectPrefix: ns.names.fanout.betsPrefix, fallback: ns.nc, log });
  await publisher.start();
  const threaded = publisher.threaded;
  let n = 0;
  for (let b = 0; b < batches; b++) {
    for (let i = 0; i < perApp; i++, n++) for (let app = 1; app <= APPS; app++) publisher.add(app, [text.encode(JSON.stringify({ app, n }))]);
    publisher.send();
  }
  await publisher.close();
  expect(publisher.threaded).toBe(false);
  // The server delivers what it received before answering this connection's PING: when
  // close() has waited for the last publish, everything is here after one round trip.
  await ns.nc.flush();
  sub.unsubscribe();
  return { received, errors, sent: n, threaded };
}

describe("FanoutPublisher", () => {
  let ns: TestNamespace;
  beforeAll(async () => {
    ns = await createTestNamespace();
  });
  afterAll(async () => {
    await ns.cleanup();
  });

  it("publishes every message of every batch, each app's in order, before close() returns", async () => {
    const { received, errors, sent, threaded } = await roundTrip(ns, natsUrl(), 20, 50);
    expect(errors).toEqual([]);
    expect(threaded).toBe(true);
    const expected = Array.from({ length: sent }, (_, i) => i);
    for (let app = 1; app <= APPS; app++) expect(received.get(app), `app ${app}`).toEqual(expected);
  });

  it("splits an app's bets into new_bets messages of at most MAX_BETS_PER_MESSAGE, in order", async () => {
    const sizes: number[] = [];
    const ids: number[] = [];
    const sub = ns.nc.subscribe(ns.names.fanout.bets(7), {
      callback: (_err, msg) => {
        const { bets } = JSON.parse(new TextDecoder().decode(msg.data)) as { bets: { n: number }[] };
        sizes.push(bets.length);
        ids.push(...bets.map((b) => b.n));
      },
    });
    await ns.nc.flush();
    const publisher = new FanoutPublisher({ natsUrl: natsUrl(), name: "test-fanout", subjectPrefix: ns.names.fanout.betsPrefix, fallback: ns.nc, log: pino({ level: "silent" }) });
    await publisher.start();
    const count = 2 * MAX_BETS_PER_MESSAGE + 50;
    publisher.add(7, Array.from({ length: count }, (_, n) => text.encode(JSON.stringify({ n }))));
    await publisher.close();
    await ns.nc.flush();
    sub.unsubscribe();
    expect(sizes).toEqual([MAX_BETS_PER_MESSAGE, MAX_BETS_PER_MESSAGE, 50]);
    expect(ids).toEqual(Array.from({ length: count }, (_, n) => n));
  });

  it("publishes on the service's connection when its thread cannot connect", async () => {
    const { received, errors, sent, threaded } = await roundTrip(ns, "nats://127.0.0.1:1", 3, 10);
    expect(threaded).toBe(false);
    expect(errors.join("")).toContain("fan-out publisher thread did not start");
    const expected = Array.from({ length: sent }, (_, i) => i);
    for (let app = 1; app <= APPS; app++) expect(received.get(app), `app ${app}`).toEqual(expected);
  });
});
