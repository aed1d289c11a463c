import { describe, expect, it } from "vitest";
import { KeyedQueue, Semaphore } from "../src/concurrency";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("KeyedQueue", () => {
  it("runs tasks of one key in submission order, one at a time", async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const gate = deferred();
    const a = q.run("u1", async () => {
      log.push("a:start");
      await gate.promise;
      log.push("a:end");
    });
    const b = q.run("u1", async () => {
      log.push("b");
    });
    await Promise.resolve();
    expect(log).toEqual(["a:start"]);
    gate.resolve();
    await Promise.all([a, b]);
    expect(log).toEqual(["a:start", "a:end", "b"]);
  });

  it("runs tasks of different keys concurrently", async () => {
    const q = new KeyedQueue();
    const gate = deferred();
    const log: string[] = [];
    const a = q.run("u1", async () => {
      await gate.promise;
      log.push("u1");
    });
    await q.run("u2", async () => {
      log.push("u2");
    });
    expect(log).toEqual(["u2"]);
    gate.resolve();
    await a;
  });

  it("continues after a failed task and forgets idle keys", async () => {
    const q = new KeyedQueue();
    await expect(q.run("u1", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(q.run("u1", async () => 7)).resolves.toBe(7);
    await new Promise((r) => setImmediate(r));
    expect(q.size).toBe(0);
  });
});

describe("Semaphore", () => {
  it("admits at most `limit` holders and wakes waiters in order", async () => {
    const s = new Semaphore(2);
    await s.acquire();
    await s.acquire();
    const order: number[] = [];
    const w1 = s.acquire().then(() => order.push(1));
    const w2 = s.acquire().then(() => order.push(2));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(s.inUse).toBe(2);
    s.release();
    await w1;
    s.release();
    await w2;
    expect(order).toEqual([1, 2]);
    s.release();
    s.release();
    expect(s.inUse).toBe(0);
  });

  it("rejects a non-positive limit", () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
  });
});
