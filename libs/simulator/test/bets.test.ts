import { describe, expect, it } from "vitest";
import { MoneypotBet, createNames } from "@socketpot/contracts";
import { isJackpot } from "@socketpot/bet-stream";
import { createBetGenerator, publishBets } from "../src/bets";

describe("createBetGenerator", () => {
  it("produces valid Moneypot bets of every kind", () => {
    const gen = createBetGenerator({ seed: 7 });
    const kinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bet = gen.next(1 + (i % 3));
      const parsed = MoneypotBet.safeParse(bet);
      expect(parsed.success, JSON.stringify(bet)).toBe(true);
      kinds.add(bet.kind);
      if (bet.kind === "simple_dice" || bet.kind === "101_dice") {
        expect(bet.cond).toMatch(/^[<>]$/);
        expect(typeof bet.target).toBe("number");
      }
      expect(bet.profit).toBeGreaterThanOrEqual(-bet.wager);
    }
    expect([...kinds].sort()).toEqual(["101_dice", "custom", "plinko", "simple_dice"]);
  });

  it("is deterministic for a seed and gives increasing ids", () => {
    const clock = () => 1_700_000_000_000;
    const a = createBetGenerator({ seed: 3, now: clock, firstId: 10 });
    const b = createBetGenerator({ seed: 3, now: clock, firstId: 10 });
    const xs = Array.from({ length: 50 }, () => a.next(1));
    expect(Array.from({ length: 50 }, () => b.next(1))).toEqual(xs);
    expect(xs.map((x) => x.id)).toEqual(Array.from({ length: 50 }, (_, i) => 10 + i));
  });

  it("makes every n-th bet of an app a jackpot when asked", () => {
    const gen = createBetGenerator({ seed: 1, jackpotEvery: 10, jackpotProbability: 0 });
    const bets = Array.from({ length: 100 }, () => gen.next(5));
    const jackpotIdx = bets.flatMap((b, i) => (isJackpot(b) && b.kind === "simple_dice" && b.profit >= 10_000_000 ? [i] : []));
    expect(jackpotIdx).toEqual([9, 19, 29, 39, 49, 59, 69, 79, 89, 99]);
    expect(gen.jackpots).toBe(10);
  });
});

describe("publishBets", () => {
  it("publishes the requested number of bets round-robin over the apps", async () => {
    const names = createNames("gen_test");
    const seen: string[] = [];
    const res = await publishBets({ names, appIds: [1, 2], rate: 1000, durationMs: 100, publish: (s) => seen.push(s) });
    expect(res.published).toBe(100);
    expect(seen.filter((s) => s === names.upstream.bets(1))).toHaveLength(50);
    expect(seen.filter((s) => s === names.upstream.bets(2))).toHaveLength(50);
  });
});
