import { describe, expect, it } from "vitest";
import { DEFAULT_SCORE_CONFIG, isJackpot, payoutMultiplier, scoreBet } from "../src/score";

describe("payoutMultiplier", () => {
  it("is (wager + profit) / wager for a win", () => {
    expect(payoutMultiplier({ wager: 100, profit: 900 })).toBe(10);
  });
  it("is 0 for a lost bet and for a zero wager", () => {
    expect(payoutMultiplier({ wager: 100, profit: -100 })).toBe(0);
    expect(payoutMultiplier({ wager: 0, profit: 0 })).toBe(0);
  });
});

describe("scoreBet", () => {
  it("ranks a bigger win above a smaller win at the same multiplier", () => {
    expect(scoreBet({ wager: 10_000, profit: 10_000 })).toBeGreaterThan(scoreBet({ wager: 100, profit: 100 }));
  });
  it("ranks a bigger loss above a smaller loss", () => {
    expect(scoreBet({ wager: 1_000_000, profit: -1_000_000 })).toBeGreaterThan(scoreBet({ wager: 1_000, profit: -1_000 }));
  });
  it("ranks a rare multiplier above a common one for the same wager", () => {
    expect(scoreBet({ wager: 100, profit: 9_900 })).toBeGreaterThan(scoreBet({ wager: 100, profit: 100 }));
  });
  it("ranks a win above a loss of the same size", () => {
    expect(scoreBet({ wager: 1_000, profit: 1_000 })).toBeGreaterThan(scoreBet({ wager: 1_000, profit: -1_000 }));
  });
  it("is 0 for a free bet that paid nothing", () => {
    expect(scoreBet({ wager: 0, profit: 0 })).toBe(0);
  });
  it("follows the documented formula", () => {
    const s = scoreBet({ wager: 1_000, profit: 99_000 });
    expect(s).toBeCloseTo(Math.log10(99_001) + 0.5 * Math.log2(100) + 0.25 * Math.log10(1_001), 10);
  });
  it("uses the given weights", () => {
    const cfg = { ...DEFAULT_SCORE_CONFIG, profitWeight: 0, multiplierWeight: 0, wagerWeight: 1 };
    expect(scoreBet({ wager: 999, profit: 5 }, cfg)).toBeCloseTo(3, 10);
  });
});

describe("isJackpot", () => {
  it("is true at the profit threshold and above", () => {
    expect(isJackpot({ wager: 1, profit: DEFAULT_SCORE_CONFIG.jackpotProfit })).toBe(true);
    expect(isJackpot({ wager: 1, profit: DEFAULT_SCORE_CONFIG.jackpotProfit - 1 })).toBe(true); // multiplier
    expect(isJackpot({ wager: 1e9, profit: DEFAULT_SCORE_CONFIG.jackpotProfit - 1 })).toBe(false);
  });
  it("is true at the multiplier threshold", () => {
    expect(isJackpot({ wager: 10, profit: 10 * 999 })).toBe(true);
    expect(isJackpot({ wager: 10, profit: 10 * 998 })).toBe(false);
  });
  it("is never true for a loss", () => {
    expect(isJackpot({ wager: 1e12, profit: -1e12 })).toBe(false);
  });
  it("ignores the multiplier when it is disabled", () => {
    const cfg = { ...DEFAULT_SCORE_CONFIG, jackpotMultiplier: 0 };
    expect(isJackpot({ wager: 1, profit: 1e6 }, cfg)).toBe(false);
    expect(isJackpot({ wager: 1, profit: 1e6 }, { ...cfg, jackpotProfit: 1e6 })).toBe(true);
  });
});
