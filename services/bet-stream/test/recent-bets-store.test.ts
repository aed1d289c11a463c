import { describe, expect, it } from "vitest";
import { RecentBetsStore } from "../src/recent-bets-store";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("RecentBetsStore", () => {
  it("keeps the last `limit` bets sent for each app, newest last", () => {
    const r = new RecentBetsStore(3);
    r.remember(1, [bytes("a"), bytes("b")], 0);
    expect(r.list(1)).toEqual(["a", "b"]);
    r.remember(1, [bytes("c"), bytes("d"), bytes("e"), bytes("f")], 1);
    expect(r.list(1)).toEqual(["d", "e", "f"]);
    r.remember(2, [bytes("x")], 1);
    expect(r.list(2)).toEqual(["x"]);
    expect(r.list(3)).toEqual([]);
  });

  it("keeps its own copy of the bets, not the buffer they were read into", () => {
    const r = new RecentBetsStore(2);
    const read = bytes("{1}{2}");
    r.remember(1, [read.subarray(0, 3), read.subarray(3)], 0);
    read.fill(0);
    expect(r.list(1)).toEqual(["{1}", "{2}"]);
  });

  it("keeps bets of any size across many windows (its buffer is compacted and grows)", () => {
    const r = new RecentBetsStore(4);
    const sent: string[] = [];
    for (let i = 0; i < 500; i++) {
      // Mostly small bets, now and then one far larger than the buffer was sized for.
      const bet = `{"id":${i},"pad":"${"x".repeat(i % 50 === 0 ? 5000 + i : (i * 37) % 700)}"}`;
      sent.push(bet);
      r.remember(7, [bytes(bet)], i);
      expect(r.list(7)).toEqual(sent.slice(-4));
    }
  });

  it("sizes an app's buffer by the bets it holds, not by a large limit", () => {
    const r = new RecentBetsStore(1000);
    const before = process.memoryUsage().arrayBuffers;
    for (let app = 1; app <= 1000; app++) r.remember(app, [bytes(`{"id":${app}}`)], 0);
    // Sized by the limit, 1,000 apps would take over 500 MB; sized for their one bet, a few tens.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(100 * 1024 * 1024);
    expect(r.list(1000)).toEqual(['{"id":1000}']);
  });

  it("forgets dropped and idle apps", () => {
    const r = new RecentBetsStore(5);
    r.remember(1, [bytes("a")], 0);
    r.remember(2, [bytes("b")], 0);
    r.remember(3, [bytes("c")], 5000);
    expect(r.dropApps((id) => id === 1)).toBe(1);
    expect(r.evictIdle(6000, 2000)).toBe(1);
    expect(r.list(2)).toEqual([]);
    expect((r.list(3))).toEqual(["c"]);
    expect(r.appCount).toBe(1);
  });

  it("remembers nothing with a limit of 0, and refuses a negative one", () => {
    const r = new RecentBetsStore(0);
    r.remember(1, [bytes("a")], 0);
    expect(r.list(1)).toEqual([]);
    expect(r.appCount).toBe(0);
    expect(() => new RecentBetsStore(-1)).toThrow(RangeError);
  });
});
