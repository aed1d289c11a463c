import { describe, expect, it } from "vitest";
import { MoneypotBet, WalletEvent } from "@socketpot/contracts";
import { betIdBase, makeBet } from "../src/traffic";
import { depositEvents } from "../src/wallet";

const user = { auth_id: 7, uname: "demo_member" };

/** A deterministic random source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("demo traffic generators", () => {
  it("makes bets that satisfy the upstream contract and keep dice arithmetic consistent", () => {
    const random = seeded(1);
    for (let i = 1; i <= 500; i++) {
      const bet = makeBet({ id: i, appId: 3, user, random });
      expect(MoneypotBet.safeParse(bet).success).toBe(true);
      expect(bet.wager).toBeGreaterThan(0);
      if (bet.kind !== "plinko") {
        expect(bet.cond === "<" || bet.cond === ">").toBe(true);
        const won = bet.cond === "<" ? bet.outcome < bet.target! : bet.outcome > bet.target!;
        expect(bet.profit > 0).toBe(won);
        if (!won) expect(bet.profit).toBe(-bet.wager);
      }
    }
  });

  it("makes a jackpot a winning bet paying at least 1000x", () => {
    const random = seeded(2);
    for (let i = 1; i <= 50; i++) {
      const bet = makeBet({ id: i, appId: 3, user, jackpot: true, random });
      expect(bet.kind).toBe("simple_dice");
      expect((bet.wager + bet.profit) / bet.wager).toBeGreaterThanOrEqual(1000);
    }
  });

  it("numbers bets above any earlier run's ids (100 per second), within safe integers", () => {
    const now = Date.parse("2026-11-28T00:00:00Z");
    expect(betIdBase(now + 1000) - betIdBase(now)).toBe(100);
    expect(betIdBase(now)).toBeGreaterThan(0);
    expect(betIdBase(0)).toBeGreaterThan(0);
    expect(Number.isSafeInteger(betIdBase(Date.parse("2100-01-01")))).toBe(true);
  });

  it("describes a deposit as a seen and a confirmed wallet event with distinct ids", () => {
    const { seen, confirmed } = depositEvents({ appId: 3, authId: 7, amount: 5000, balanceAfter: 12_000 });
    expect(WalletEvent.parse(seen)).toMatchObject({ type: "deposit_seen", amount: 5000, app_id: 3, auth_id: 7 });
    expect(WalletEvent.parse(confirmed)).toMatchObject({ type: "deposit_confirmed", amount: 5000, balance_after: 12_000 });
    expect(seen.event_id).not.toBe(confirmed.event_id);
    if (seen.type !== "deposit_seen" || confirmed.type !== "deposit_confirmed") throw new Error("wrong types");
    expect(confirmed.txid).toBe(seen.txid);
  });
});
