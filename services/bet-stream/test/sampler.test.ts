import { describe, expect, it } from "vitest";
import { RATE_INTERVAL_MS, WindowSampler } from "../src/sampler";

type Bet = { id: number; score: number; jackpot?: boolean };

function sampler(rate = 10, windowMs = 250) {
  return new WindowSampler<Bet>({ ratePerSecond: rate, windowMs });
}

function offer(s: WindowSampler<Bet>, appId: number, bets: Bet[], now: number) {
  for (const b of bets) s.offer(appId, b, b.score, b.jackpot === true, now);
}

const ids = (bets: Bet[]) => bets.map((b) => b.id);
const range = (from: number, n: number, score = 1): Bet[] => Array.from({ length: n }, (_, i) => ({ id: from + i, score }));

describe("WindowSampler", () => {
  it("emits nothing before a flush and nothing for an empty window", () => {
    const s = sampler();
    expect(s.flush(0)).toEqual([]);
    offer(s, 1, range(1, 3), 0);
    expect(s.flush(250)).toHaveLength(1);
    expect(s.flush(500)).toEqual([]);
  });

  it("passes every bet, in order, while the app stays under the rate", () => {
    const s = sampler(10);
    const out: number[] = [];
    let id = 1;
    // 8 bets per second (2 per 250 ms window) for 5 seconds, with varied scores.
    for (let t = 0; t < 5000; t += 250) {
      offer(s, 7, [{ id: id++, score: (id * 7) % 5 }, { id: id++, score: (id * 3) % 5 }], t);
      for (const e of s.flush(t + 250)) out.push(...ids(e.items));
    }
    expect(out).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(s.stats.dropped).toBe(0);
  });

  it("passes a burst that fits the 1 s budget in one window", () => {
    const s = sampler(10);
    offer(s, 1, range(1, 10), 0);
    expect(ids(s.flush(250)[0]!.items)).toEqual(range(1, 10).map((b) => b.id));
  });

  it("keeps the highest scores of an overloaded window, in arrival order", () => {
    const s = sampler(10, 250); // 3 per window when overloaded
    const bets = [5, 1, 9, 3, 8, 2, 7, 4, 6, 0, 1, 2].map((score, i) => ({ id: i + 1, score }));
    offer(s, 1, bets, 0);
    const [e] = s.flush(250);
    expect(e!.items.map((b) => b.score)).toEqual([9, 8, 7]);
    expect(ids(e!.items)).toEqual([3, 5, 7]);
  });

  it("chooses what a plain sort of the window would, at small and large rates", () => {
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    for (const rate of [1, 3, 10, 40, 200]) {
      for (let trial = 0; trial < 50; trial++) {
        const s = sampler(rate, 250);
        const n = 1 + Math.floor(random() * rate * 3);
        const bets = Array.from({ length: n }, (_, i) => ({ id: i, score: Math.floor(random() * 8), jackpot: random() < 0.05 }));
        offer(s, 1, bets, 0);
        const jackpots = bets.filter((b) => b.jackpot);
        const others = bets.filter((b) => !b.jackpot);
        const slots = Math.max(0, Math.min(rate, s.perWindow) - jackpots.length);
        const best = [...others].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, slots);
        const expected = n <= rate ? bets : [...jackpots, ...best].sort((a, b) => a.id - b.id);
        expect(ids(s.flush(250)[0]?.items ?? []), `rate ${rate}, trial ${trial}`).toEqual(ids(expected));
      }
    }
  });

  it("breaks score ties in favour of the earlier bet", () => {
    const s = sampler(2, 500); // 1 per window
    offer(s, 1, range(1, 50, 4), 0);
    expect(ids(s.flush(500)[0]!.items)).toEqual([1]);
  });

  it("never emits more than the rate in any 1 s interval under sustained overload", () => {
    const s = sampler(10, 250);
    const emitted: number[] = [];
    let id = 1;
    for (let t = 0; t < 20_000; t += 250) {
      offer(s, 1, Array.from({ length: 500 }, () => ({ id: id++, score: Math.random() })), t);
      for (const e of s.flush(t + 250)) for (let i = 0; i < e.items.length; i++) emitted.push(t + 250);
    }
    for (let i = 0; i < emitted.length; i++) {
      let n = 0;
      for (let j = i; j < emitted.length && emitted[j]! - emitted[i]! < RATE_INTERVAL_MS; j++) n++;
      expect(n).toBeLessThanOrEqual(10);
    }
    // and uses the budget: 10 per second over 20 s
    expect(emitted.length).toBeGreaterThanOrEqual(195);
  });

  it("holds the rate over any 1 s when flushes come at irregular times", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const s = sampler(10, 250);
    const emitted: number[] = [];
    let t = 0;
    let id = 1;
    for (let i = 0; i < 2000; i++) {
      offer(s, 1, Array.from({ length: 1 + Math.floor(rand() * 40) }, () => ({ id: id++, score: rand() })), t);
      t += 250 + Math.floor(rand() < 0.2 ? rand() * 1500 : rand() * 30);
      for (const e of s.flush(t)) for (let k = 0; k < e.items.length; k++) emitted.push(t);
    }
    for (let i = 0, j = 0; i < emitted.length; i++) {
      while (emitted[i]! - emitted[j]! >= RATE_INTERVAL_MS) j++;
      expect(i - j + 1).toBeLessThanOrEqual(10);
    }
    expect(s.stats.maxRate).toBe(10);
  });

  it("spreads an overloaded app's budget over the second", () => {
    const s = sampler(10, 250);
    const perWindow: number[] = [];
    let id = 1;
    for (let t = 0; t < 2000; t += 250) {
      offer(s, 1, range(id, 100), t);
      id += 100;
      perWindow.push(s.flush(t + 250).reduce((n, e) => n + e.items.length, 0));
    }
    expect(Math.max(...perWindow)).toBe(3);
    expect(perWindow.slice(0, 4).reduce((a, b) => a + b, 0)).toBe(10);
  });

  it("gives a late, longer window a larger share, still within the rate", () => {
    const s = sampler(10, 250);
    let id = 1;
    const perFlush: number[] = [];
    for (let t = 0; t < 5000; t += 1000) {
      offer(s, 1, range(id, 500), t);
      id += 500;
      perFlush.push(s.flush(t + 1000).reduce((n, e) => n + e.items.length, 0));
    }
    expect(perFlush).toEqual([3, 10, 10, 10, 10]);
  });

  it("never drops a jackpot, even beyond the rate, and counts it against the budget", () => {
    const s = sampler(10, 250);
    const jackpots = range(1000, 15, 0).map((b) => ({ ...b, jackpot: true }));
    offer(s, 1, [...range(1, 200, 50), ...jackpots], 0);
    const items = s.flush(250)[0]!.items;
    expect(ids(items.filter((b) => b.jackpot))).toEqual(ids(jackpots));
    expect(items.filter((b) => !b.jackpot)).toHaveLength(0);
    // the budget is used up for the rest of the second
    offer(s, 1, range(300, 5, 50), 300);
    expect(s.flush(500)).toEqual([]);
    offer(s, 1, range(400, 5, 50), 1300);
    expect(ids(s.flush(1500)[0]!.items)).toEqual(ids(range(400, 5)));
  });

  it("keeps apps independent", () => {
    const s = sampler(10, 250);
    offer(s, 1, range(1, 1000), 0);
    offer(s, 2, range(5000, 2), 0);
    const out = new Map(s.flush(250).map((e) => [e.appId, ids(e.items)]));
    expect(out.get(1)).toHaveLength(3);
    expect(out.get(2)).toEqual([5000, 5001]);
  });

  it("drops a window's unchosen bets instead of delaying them", () => {
    const s = sampler(10, 250);
    offer(s, 1, range(1, 100), 0);
    s.flush(250);
    expect(s.flush(500)).toEqual([]);
  });

  it("forgets dropped and idle apps", () => {
    const s = sampler();
    offer(s, 1, range(1, 1), 0);
    offer(s, 2, range(2, 1), 0);
    offer(s, 3, range(3, 1), 0);
    s.dropApps((id) => id === 1);
    expect(s.flush(250).map((e) => e.appId).sort()).toEqual([2, 3]);
    offer(s, 3, range(4, 1), 5000);
    s.flush(5250);
    expect(s.evictIdle(6000, 2000)).toBe(1);
    expect(s.appCount).toBe(1);
  });

  it("counts offered, emitted, dropped and jackpots", () => {
    const s = sampler(10, 250);
    offer(s, 1, [...range(1, 20), { id: 99, score: 0, jackpot: true }], 0);
    s.flush(250);
    expect(s.stats).toEqual({ offered: 21, emitted: 3, dropped: 18, jackpots: 1, maxRate: 2 });
  });

  it("says whether a bet could still be chosen, and counts the ones the caller skips", () => {
    const s = sampler(3, 250);
    expect(s.admits(1, 0)).toBe(true);
    offer(s, 1, [{ id: 1, score: 5 }, { id: 2, score: 7 }], 0);
    expect(s.admits(1, 1)).toBe(true); // window not full yet
    offer(s, 1, [{ id: 3, score: 6 }], 0);
    expect(s.admits(1, 5)).toBe(false); // ties lose to the earlier bet
    expect(s.admits(1, 5.5)).toBe(true);
    s.countRejected(1);
    s.countRejected(1);
    const [e] = s.flush(250);
    // 5 bets seen in the window: overloaded, so one (the best) passes
    expect(ids(e!.items)).toEqual([2]);
    expect(s.stats).toEqual({ offered: 5, emitted: 1, dropped: 4, jackpots: 0, maxRate: 1 });
  });

  it("rejects a nonsensical configuration", () => {
    expect(() => sampler(0)).toThrow(RangeError);
    expect(() => sampler(10, 0)).toThrow(RangeError);
  });
});
