import { describe, expect, it } from "vitest";
import { WorkQueue } from "../src/work-queue";

/** A job that runs until `finish()` is called. */
function gate() {
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const log: string[] = [];
  return { finish, job: (name: string) => () => (log.push(name), done), log };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("WorkQueue", () => {
  it("runs up to `concurrency` jobs, queues up to `queued`, and refuses the rest as busy", async () => {
    const q = new WorkQueue({ concurrency: 2, queued: 1, perKey: 10 });
    const g = gate();
    expect([q.submit("a", g.job("1")), q.submit("b", g.job("2")), q.submit("c", g.job("3")), q.submit("d", g.job("4"))]).toEqual([
      undefined,
      undefined,
      undefined,
      "busy",
    ]);
    expect(g.log).toEqual(["1", "2"]);
    expect([q.running, q.queued]).toEqual([2, 1]);
    g.finish();
    await tick();
    expect(g.log).toEqual(["1", "2", "3"]);
    await tick();
    expect([q.running, q.queued]).toEqual([0, 0]);
  });

  it("holds one key to its share of running and waiting jobs, leaving room for other keys", async () => {
    const q = new WorkQueue({ concurrency: 1, queued: 5, perKey: 2 });
    const g = gate();
    expect([q.submit("flood", g.job("f1")), q.submit("flood", g.job("f2")), q.submit("flood", g.job("f3")), q.submit("other", g.job("o1"))]).toEqual([
      undefined,
      undefined,
      "key_busy",
      undefined,
    ]);
    g.finish();
    await tick();
    await tick();
    expect(g.log).toEqual(["f1", "f2", "o1"]);
    // Its jobs done, the key may submit again.
    expect(q.submit("flood", g.job("f4"))).toBeUndefined();
  });

  it("frees a slot when a job fails", async () => {
    const q = new WorkQueue({ concurrency: 1, queued: 0, perKey: 1 });
    q.submit("a", () => Promise.reject(new Error("x")).catch(() => undefined));
    await tick();
    expect(q.submit("a", () => Promise.resolve())).toBeUndefined();
  });

  it("rejects limits that cannot work", () => {
    expect(() => new WorkQueue({ concurrency: 0, queued: 1, perKey: 1 })).toThrow(RangeError);
    expect(() => new WorkQueue({ concurrency: 1, queued: -1, perKey: 1 })).toThrow(RangeError);
  });
});
