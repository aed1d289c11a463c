import { describe, expect, it } from "vitest";
import type { NewBet } from "@socketpot/contracts";
import { RecentBetsCache, type RecentBetsSnapshot } from "../src/features/bets/recent-bets-cache";

const ROOM = "ns.fanout.bets.1";

function bet(id: number): NewBet {
  return {
    id,
    uname: `u${id}`,
    kind: "simple_dice",
    wager: 100,
    profit: -100,
    outcome: 42.5,
    cond: ">",
    target: 50,
    created_at: "2026-11-28T00:00:00.000Z",
    secret: 1,
    salt: "s",
    client_seed: 2,
  } as NewBet;
}

const ids = (bets: NewBet[] | undefined) => bets?.map((b) => b.id);

/** A fetch the test resolves by hand, counting calls. */
function manualFetch() {
  const calls: ((s: RecentBetsSnapshot) => void)[] = [];
  return {
    calls,
    fetch: () => new Promise<RecentBetsSnapshot>((resolve) => calls.push(resolve)),
  };
}

function cache(opts: { relaying?: () => boolean; now?: () => number } = {}) {
  return new RecentBetsCache({ isRelaying: opts.relaying ?? (() => true), retryMs: 1_000, now: opts.now });
}

describe("RecentBetsCache", () => {
  it("shares one request between concurrent auths", async () => {
    const c = cache();
    const f = manualFetch();
    const a = c.get(ROOM, f.fetch);
    const b = c.get(ROOM, f.fetch);
    expect(f.calls).toHaveLength(1);
    f.calls[0]!({ bets: [bet(1), bet(2)], limit: 20 });
    expect(ids(await a)).toEqual([1, 2]);
    expect(ids(await b)).toEqual([1, 2]);
  });

  it("while the room is relayed, answers from memory and appends every relayed bet, keeping the newest `limit`", async () => {
    const c = cache();
    const f = manualFetch();
    const first = c.get(ROOM, f.fetch);
    f.calls[0]!({ bets: [bet(1), bet(2)], limit: 3 });
    await first;
    c.record(ROOM, bet(3));
    c.record(ROOM, bet(4));
    const later = await c.get(ROOM, f.fetch);
    expect(f.calls).toHaveLength(1);
    expect(ids(later)).toEqual([2, 3, 4]);
    later!.push(bet(99));
    expect(ids(await c.get(ROOM, f.fetch))).toEqual([2, 3, 4]);
  });

  it("appends bets relayed while the snapshot is on its way after it, without repeating those it holds", async () => {
    const c = cache();
    const f = manualFetch();
    const first = c.get(ROOM, f.fetch);
    c.record(ROOM, bet(2));
    c.record(ROOM, bet(3));
    f.calls[0]!({ bets: [bet(1), bet(2)], limit: 20 });
    expect(ids(await first)).toEqual([1, 2, 3]);
    expect(ids(await c.get(ROOM, f.fetch))).toEqual([1, 2, 3]);
  });

  it("does not keep a snapshot taken before the gateway relays the room", async () => {
    let relaying = false;
    const c = cache({ relaying: () => relaying });
    const f = manualFetch();
    const first = c.get(ROOM, f.fetch);
    c.record(ROOM, bet(5));
    f.calls[0]!({ bets: [bet(1)], limit: 20 });
    expect(ids(await first)).toEqual([1]);
    relaying = true;
    const second = c.get(ROOM, f.fetch);
    expect(f.calls).toHaveLength(2);
    f.calls[1]!({ bets: [bet(1), bet(5)], limit: 20 });
    expect(ids(await second)).toEqual([1, 5]);
    await c.get(ROOM, f.fetch);
    expect(f.calls).toHaveLength(2);
  });

  it("after bet-stream did not answer, answers undefined without asking again until the retry time passed", async () => {
    let now = 0;
    const c = cache({ now: () => now });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.resolve<RecentBetsSnapshot>(undefined);
    };
    expect(await c.get(ROOM, failing)).toBeUndefined();
    now = 999;
    expect(await c.get(ROOM, failing)).toBeUndefined();
    expect(calls).toBe(1);
    now = 1_000;
    const f = manualFetch();
    const retried = c.get(ROOM, f.fetch);
    f.calls[0]!({ bets: [bet(7)], limit: 20 });
    expect(ids(await retried)).toEqual([7]);
  });

  it("keeps nothing for a room it does not relay, also when bet-stream did not answer", async () => {
    const c = cache({ relaying: () => false });
    expect(await c.get(ROOM, () => Promise.resolve(undefined))).toBeUndefined();
    expect(ids(await c.get(ROOM, () => Promise.resolve({ bets: [bet(1)], limit: 20 })))).toEqual([1]);
    expect(c.size).toBe(0);
  });

  it("treats a failed request like no answer", async () => {
    const c = cache();
    expect(await c.get(ROOM, () => Promise.reject(new Error("boom")))).toBeUndefined();
    expect(c.size).toBe(1);
  });

  it("forgets a room the gateway stopped relaying, also while its snapshot is on its way", async () => {
    const c = cache();
    const f = manualFetch();
    const first = c.get(ROOM, f.fetch);
    f.calls[0]!({ bets: [bet(1)], limit: 20 });
    await first;
    c.forget(ROOM);
    expect(c.size).toBe(0);
    const second = c.get(ROOM, f.fetch);
    c.forget(ROOM);
    f.calls[1]!({ bets: [bet(1), bet(2)], limit: 20 });
    expect(ids(await second)).toEqual([1, 2]);
    expect(c.size).toBe(0);
    c.record(ROOM, bet(3));
    expect(c.size).toBe(0);
  });
});
