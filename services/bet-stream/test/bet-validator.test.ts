import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MAX_PAYOUTS, MoneypotBet, PAYOUT_DEPTH } from "@socketpot/contracts";
import { compileExact, createBetValidator, exactJsonSchema } from "../src/bet-validator";
import { createBetGenerator } from "@socketpot/simulator";

const validate = createBetValidator();
const compiledAccepts = compileExact(MoneypotBet);
const zodAccepts = (raw: unknown) => MoneypotBet.safeParse(raw).success;

/** Values every field is tried with: each type, the bounds the contract names and just past them. */
const CANDIDATES: unknown[] = [
  null, true, false, {}, { a: 1 }, [], [1, { from: 0, to: 1, value: 2 }], Array(1000).fill(1), Array(1001).fill(1),
  0, 1, -1, 1.5, -1.5, 1e308, -1e308, 2 ** 53 - 1, 2 ** 53, -(2 ** 53 - 1), -(2 ** 53), 3141592653,
  "", "a", "kate", "Kate_01.x-y", "a b", "é", "<", ">", "=", "simple_dice", "plinko", "101_dice", "custom", "roulette",
  "x".repeat(32), "x".repeat(33), "x".repeat(128), "x".repeat(129), "😀".repeat(64), "😀".repeat(65), "😀".repeat(128), "😀".repeat(129), "é".repeat(128),
  "2026-11-28T00:12:03.456Z", "2026-11-28T00:12:03Z", "2026-11-28T00:12:03+01:00", "2026-11-28T00:12:03.1234567-05:30",
  "2026-11-28", "2026-11-28T24:00:00Z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2026-11-28 00:12:03Z",
  "2026-11-28T00:12:03", "2026-11-28T00:12:03.456Z\n", " 2026-11-28T00:12:03Z",
];

describe("createBetValidator", () => {
  it("accepts every generated bet, of every kind, as the zod schema does", () => {
    const gen = createBetGenerator({ seed: 11, jackpotProbability: 0.01 });
    for (let i = 0; i < 2000; i++) {
      const bet = JSON.parse(JSON.stringify(gen.next(1 + (i % 7)))) as unknown;
      expect(compiledAccepts(bet), JSON.stringify(bet)).toBe(true);
      expect(validate(bet)).toEqual({ ok: true, bet });
    }
  });

  it("agrees with the zod schema on every field set to each candidate value or left out", () => {
    const base = JSON.parse(JSON.stringify(createBetGenerator({ seed: 5 }).next(42))) as Record<string, unknown>;
    let rejected = 0;
    for (const field of Object.keys(MoneypotBet.shape)) {
      const { [field]: _, ...without } = base;
      for (const bet of [without, ...CANDIDATES.map((value) => ({ ...base, [field]: value }))]) {
        // The compiled schema alone, without the zod fallback behind it in createBetValidator.
        const accepted = compiledAccepts(bet);
        expect(accepted, `${field}: ${JSON.stringify(bet[field])}`).toBe(zodAccepts(bet));
        if (!accepted) rejected++;
      }
    }
    // Most candidates are wrong for most fields: the corpus exercises rejections, not just acceptance.
    expect(rejected).toBeGreaterThan(500);
  });

  it("agrees with the zod schema on payout tables of every depth and size around the contract's bounds", () => {
    const base = { ...createBetGenerator({ seed: 3 }).next(9), kind: "custom" };
    const nested = (depth: number): unknown => JSON.parse("[".repeat(depth) + "1" + "]".repeat(depth));
    const tables: unknown[] = [
      [],
      [nested(PAYOUT_DEPTH)],
      [nested(PAYOUT_DEPTH + 1)],
      [nested(5_000)],
      [{ a: { b: { c: 1 } } }],
      [{ a: { b: { c: { d: 1 } } } }],
      [{ ["k".repeat(256)]: 1 }],
      [{ ["k".repeat(257)]: 1 }],
      ["x".repeat(256)],
      ["x".repeat(257)],
      [new Array(100).fill(0)],
      [new Array(101).fill(0)],
      new Array(MAX_PAYOUTS).fill({ from: 0, to: 1, value: 2 }),
      new Array(MAX_PAYOUTS + 1).fill(1),
      [null, true, "a", 1.5, { from: 0, to: 1, value: 300 }],
      { not: "an array" },
    ];
    for (const [i, payouts] of tables.entries()) {
      const bet = { ...base, payouts };
      expect(compiledAccepts(bet), `table ${i}`).toBe(zodAccepts(bet));
    }
    expect(tables.filter((payouts) => zodAccepts({ ...base, payouts }))).toHaveLength(8);
  });

  it("agrees with the zod schema on messages that are not objects, and ignores fields the contract does not name", () => {
    for (const raw of [null, [], "bet", 5, true, {}]) {
      expect(compiledAccepts(raw)).toBe(false);
      expect(validate(raw).ok).toBe(false);
    }
    const bet = { ...createBetGenerator({ seed: 2 }).next(3), house_note: "internal" };
    expect(zodAccepts(bet)).toBe(true);
    expect(compiledAccepts(bet)).toBe(true);
    expect(validate(bet)).toEqual({ ok: true, bet });
  });

  it("words a rejection as the zod schema does", () => {
    const bet = { ...createBetGenerator({ seed: 2 }).next(3), kind: "roulette", wager: -5 };
    const verdict = validate(bet);
    expect(verdict.ok).toBe(false);
    expect(!verdict.ok && verdict.error).toMatch(/^kind: .*; wager: /);
  });
});

describe("exactJsonSchema", () => {
  it.each([
    ["a refinement", z.object({ a: z.number().refine((n) => n !== 3) })],
    ["a transform", z.object({ a: z.string().transform((s) => s.length) })],
    ["a value-changing check", z.object({ a: z.string().trim() })],
    ["a default", z.object({ a: z.number().default(1) })],
  ])("refuses a schema with %s, which JSON Schema would silently drop", (_, schema) => {
    expect(() => exactJsonSchema(schema)).toThrow(/no exact JSON Schema form/);
  });

  it("exports MoneypotBet", () => {
    expect(exactJsonSchema(MoneypotBet)).toMatchObject({ type: "object", required: expect.arrayContaining(["id", "app_id", "created_at"]) });
  });
});
