/**
 * bench/lib/fanout-*: the chat fan-out loop against a real socket.io node (the bare peer):
 * every post reaches every receiver across client processes, the loop keeps the asked
 * number in flight and ends when all are complete, and the server CPU is read from /proc.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FanoutClients } from "../../bench/lib/fanout-clients";
import { fanoutPlan, sizeProblem } from "../../bench/lib/fanout-run";
import { startSioBare, type FanoutSystem } from "../../bench/lib/fanout-systems";
import { externalSince, markExternal, totalSeconds } from "../../bench/lib/proc-cpu";

describe("chat fan-out loop", () => {
  let system: FanoutSystem;
  let clients: FanoutClients;

  beforeAll(async () => {
    system = await startSioBare();
    clients = await FanoutClients.start("test", 2);
  }, 120_000);

  afterAll(async () => {
    await clients?.stop();
    await system?.stop();
  }, 60_000);

  it("delivers every post to every receiver with several in flight, and reads the server's CPU", async () => {
    const opened = await clients.open({ urls: system.nodeUrls, count: 21, auth: system.receiverAuth, posterUrl: system.nodeUrls[0]!, posterAuth: system.posterAuth, concurrency: 5, timeoutMs: 60_000 });
    expect(opened.ready).toBe(21);
    const counted = await system.counted();
    expect(counted.every((p) => p.pid !== undefined)).toBe(true);
    const mark = markExternal(counted);
    const r = await clients.round("t1", 12, 4);
    expect(r).toMatchObject({ messages: 12, complete: 12, deliveries: 12 * 21, expected: 12 * 21 });
    expect(r.latency.count).toBe(12 * 21);
    expect(r.seconds).toBeGreaterThan(0);
    expect(totalSeconds(externalSince(mark))).toBeGreaterThanOrEqual(0);
    // A second round counts only its own posts.
    const again = await clients.round("t2", 3, 1);
    expect(again).toMatchObject({ messages: 3, complete: 3, deliveries: 3 * 21 });
  }, 120_000);

  it("bounds its flags and says why a size cannot run instead of dropping it", () => {
    expect(fanoutPlan({}, { sizes: [1000, 5000] })).toMatchObject({ sizes: [1000, 5000], inFlight: [1, 8], rounds: 4 });
    expect(() => fanoutPlan({ "in-flight": "0" }, { sizes: [1] })).toThrow(/in-flight/);
    expect(sizeProblem(10, 2, 2)).toBeUndefined();
    expect(sizeProblem(10_000_000, 1, 4)).toMatch(/open files limit/);
  });
});
