import { describe, expect, it } from "vitest";
import { BetFanout, MAX_BETS_PER_MESSAGE, MoneypotBet, betEmits, toNewBet } from "@socketpot/contracts";
import { MAX_BET_FANOUT_BYTES, betFanoutMessages } from "../src/bet-fanout-encoder";
import { createBetGenerator } from "@socketpot/simulator";

const generator = createBetGenerator({ seed: 7, firstId: 1, jackpotProbability: 0 });
const upstream = (id: number, extra: Record<string, unknown> = {}) => MoneypotBet.parse({ ...generator.next(3), id, ...extra });
const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
/** Parses a message with the contract's schema, as a gateway does. */
const parseMessage = (m: Uint8Array) => BetFanout.parse(JSON.parse(new TextDecoder().decode(m)));

describe("bet fan-out encoder", () => {
  it("writes messages that parse with the contract's BetFanout schema, carrying the bets' public fields in order", () => {
    const bets = Array.from({ length: 5 }, (_, i) => upstream(i + 1));
    const messages = betFanoutMessages(bets.map(json));
    expect(messages).toHaveLength(1);
    expect(betEmits(parseMessage(messages[0]!))).toEqual(bets.map((b) => ["new_bet", toNewBet(b)]));
  });

  it("carries a window's bets in new_bets messages of at most MAX_BETS_PER_MESSAGE, in order", () => {
    const bets = Array.from({ length: 2 * MAX_BETS_PER_MESSAGE + 1 }, (_, i) => json(upstream(i + 1)));
    expect(betFanoutMessages([])).toEqual([]);
    const messages = betFanoutMessages(bets).map(parseMessage);
    expect(messages.map((m) => (m.type === "new_bets" ? m.bets.length : 1))).toEqual([MAX_BETS_PER_MESSAGE, MAX_BETS_PER_MESSAGE, 1]);
    expect(messages.flatMap((m) => betEmits(m).map(([, b]) => (b as { id: number }).id))).toEqual(bets.map((_, i) => i + 1));
  });

  it("starts a new new_bets message before MAX_BET_FANOUT_BYTES bytes of bets", () => {
    // About 52 KB of payout strings per bet (256 two-byte chars each): two bets fit a message.
    const payouts = Array.from({ length: Math.floor(MAX_BET_FANOUT_BYTES / 5 / 256) }, () => "é".repeat(256));
    const big = (id: number) => json(upstream(id, { kind: "custom", payouts }));
    const messages = betFanoutMessages([big(1), big(2), big(3), json(upstream(4))]);
    expect(messages.map((m) => (parseMessage(m) as { bets: unknown[] }).bets.length)).toEqual([2, 2]);
    for (const m of messages) expect(m.length).toBeLessThan(MAX_BET_FANOUT_BYTES + 100);
  });

  it("forwards upstream bet JSON of which a gateway's parse keeps only the public fields", () => {
    const bet = upstream(7);
    const [message] = betFanoutMessages([json({ ...bet, house_note: "internal" })]);
    expect(betEmits(parseMessage(message!))).toEqual([["new_bet", toNewBet(bet)]]);
  });
});
