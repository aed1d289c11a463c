import { describe, expect, it } from "vitest";
import {
  AuthRequest,
  BetFanout,
  DepositFanout,
  MAX_BETS_PER_MESSAGE,
  betEmits,
  NewMessageRequest,
  WalletEvent,
  chatEmits,
  depositEmits,
  directoryKeys,
  depositSeq,
  MoneypotBet,
  NewBet,
  tokenHash,
  MAX_PAYOUTS,
  PAYOUT_DEPTH,
  boundedJson,
} from "../src";

describe("NewMessageRequest", () => {
  it("defaults channel to lobby and trims text", () => {
    expect(NewMessageRequest.parse({ text: "  hi  " })).toEqual({ channel: "lobby", text: "hi" });
    expect(NewMessageRequest.parse({ text: "x", channel: null })).toEqual({ channel: "lobby", text: "x" });
  });

  it.each(["support", "a-b_c:d", "0", "x".repeat(40)])("accepts channel %j", (channel) => {
    expect(NewMessageRequest.safeParse({ text: "x", channel }).success).toBe(true);
  });

  it.each(["Support", "a b", "a.b", "é", "x".repeat(41), 5, "a*"])("rejects channel %j", (channel) => {
    expect(NewMessageRequest.safeParse({ text: "x", channel }).success).toBe(false);
  });

  it("accepts 1-300 chars after trim, measured after trimming", () => {
    expect(NewMessageRequest.safeParse({ text: "a" }).success).toBe(true);
    expect(NewMessageRequest.safeParse({ text: "a".repeat(300) }).success).toBe(true);
    expect(NewMessageRequest.safeParse({ text: `   ${"a".repeat(300)}   ` }).success).toBe(true);
    expect(NewMessageRequest.safeParse({ text: "a".repeat(301) }).success).toBe(false);
    expect(NewMessageRequest.safeParse({ text: "    " }).success).toBe(false);
    expect(NewMessageRequest.safeParse({ text: "" }).success).toBe(false);
    expect(NewMessageRequest.safeParse({ text: 42 }).success).toBe(false);
    expect(NewMessageRequest.safeParse({}).success).toBe(false);
  });
});

describe("AuthRequest", () => {
  it("accepts the spec's request and removes duplicate subscriptions", () => {
    const parsed = AuthRequest.parse({
      app_id: 42,
      access_token: "82c5bbe7-d9fd-4f5d-a06c-e34e588db2fd",
      subscriptions: ["CHAT", "DEPOSITS", "CHAT"],
    });
    expect(parsed.subscriptions).toEqual(["CHAT", "DEPOSITS"]);
  });

  it("treats a null access_token as absent", () => {
    expect(AuthRequest.parse({ app_id: 1, subscriptions: ["BETS"], access_token: null }).access_token).toBeUndefined();
  });

  it.each([["42"], [1.5], [0], [-3], [null], [undefined], [Number.MAX_SAFE_INTEGER + 2]])("rejects app_id %j", (app_id) => {
    expect(AuthRequest.safeParse({ app_id, subscriptions: ["CHAT"] }).success).toBe(false);
  });

  it.each([[[]], [["chat"]], [["CHAT", "NEWS"]], ["CHAT"], [null], [[1]]])("rejects subscriptions %j", (subscriptions) => {
    expect(AuthRequest.safeParse({ app_id: 1, subscriptions }).success).toBe(false);
  });

  it("rejects a non-string access_token and a non-object request", () => {
    expect(AuthRequest.safeParse({ app_id: 1, subscriptions: ["CHAT"], access_token: 5 }).success).toBe(false);
    expect(AuthRequest.safeParse("hello").success).toBe(false);
    expect(AuthRequest.safeParse([1]).success).toBe(false);
  });

  it("explains a string app_id in words a developer understands", () => {
    const result = AuthRequest.safeParse({ app_id: "42", subscriptions: ["CHAT"] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain('must be an integer, got string "42"');
  });
});

function bet(id: number) {
  return { id, uname: "kate", kind: "simple_dice", wager: 100, profit: -100, outcome: 12.5, cond: "<", target: 49.5, created_at: "2026-11-28T00:00:00.000Z", client_seed: 1, secret: 2, salt: "s" };
}

describe("fan-out families", () => {
  it("emits a confirmed change as both balance_change and confirmed_deposit_change", () => {
    const msg = DepositFanout.parse({ type: "confirmed", event_id: "e1", change: { balance: 10, diff: 10, seq: 3 } });
    expect(depositEmits(msg)).toEqual([
      ["balance_change", { balance: 10, diff: 10, seq: 3 }],
      ["confirmed_deposit_change", { balance: 10, diff: 10, seq: 3 }],
    ]);
    expect(depositSeq(msg)).toBe(3);
  });

  it("maps chat events to their client events", () => {
    expect(chatEmits({ type: "user_left", user: { uname: "kate" } })).toEqual([["user_left", { uname: "kate" }]]);
  });

  it("relays one bet or a window's bets, in order, each as new_bet", () => {
    const one = BetFanout.parse({ type: "new_bet", bet: bet(1) });
    const two = BetFanout.parse({ type: "new_bets", bets: [bet(2), bet(3)] });
    expect(betEmits(one)).toEqual([["new_bet", bet(1)]]);
    expect(betEmits(two)).toEqual([
      ["new_bet", bet(2)],
      ["new_bet", bet(3)],
    ]);
  });

  it("accepts new_bets messages of 1 to MAX_BETS_PER_MESSAGE bets only", () => {
    const bets = (n: number) => Array.from({ length: n }, (_, i) => bet(i + 1));
    expect(BetFanout.safeParse({ type: "new_bets", bets: bets(MAX_BETS_PER_MESSAGE) }).success).toBe(true);
    expect(BetFanout.safeParse({ type: "new_bets", bets: bets(MAX_BETS_PER_MESSAGE + 1) }).success).toBe(false);
    expect(BetFanout.safeParse({ type: "new_bets", bets: [] }).success).toBe(false);
  });

  it("rejects a negative balance", () => {
    expect(DepositFanout.safeParse({ type: "unconfirmed", event_id: "e", change: { balance: -1, diff: 1 } }).success).toBe(false);
  });
});

describe("payouts", () => {
  const upstreamBet = { ...bet(1), app_id: 1, auth_id: 2, kind: "custom" as const };
  const nested = (depth: number) => JSON.parse("[".repeat(depth) + "]".repeat(depth)) as unknown;

  it("accepts payout tables as Moneypot writes them", () => {
    for (const payouts of [[1000, 130, 0.2], [{ from: 0, to: 1417339208, value: 300 }], [[1, 2], { a: [true, null, "x"] }]]) {
      expect(MoneypotBet.safeParse({ ...upstreamBet, payouts }).success).toBe(true);
      expect(NewBet.safeParse({ ...bet(1), payouts }).success).toBe(true);
    }
  });

  it("refuses payouts nested deeper than PAYOUT_DEPTH inside an item, however deep", () => {
    expect(MoneypotBet.safeParse({ ...upstreamBet, payouts: [nested(PAYOUT_DEPTH)] }).success).toBe(true);
    for (const depth of [PAYOUT_DEPTH + 1, 50, 5_000]) {
      expect(MoneypotBet.safeParse({ ...upstreamBet, payouts: [nested(depth)] }).success).toBe(false);
      expect(NewBet.safeParse({ ...bet(1), payouts: [nested(depth)] }).success).toBe(false);
    }
  });

  it("refuses over-long payout tables, arrays and strings", () => {
    expect(NewBet.safeParse({ ...bet(1), payouts: new Array(MAX_PAYOUTS + 1).fill(1) }).success).toBe(false);
    expect(NewBet.safeParse({ ...bet(1), payouts: [new Array(101).fill(1)] }).success).toBe(false);
    expect(NewBet.safeParse({ ...bet(1), payouts: ["x".repeat(257)] }).success).toBe(false);
    expect(NewBet.safeParse({ ...bet(1), payouts: [{ ["k".repeat(257)]: 1 }] }).success).toBe(false);
  });
});

describe("boundedJson", () => {
  const schema = boundedJson({ depth: 2, items: 3, stringLength: 5 });
  it.each([[1], ["abcde"], [null], [true], [[1, [2]]], [{ a: { b: 1 } }], [[{ a: 1 }]]])("accepts %j", (value) => {
    expect(schema.safeParse(value).success).toBe(true);
  });
  it.each([[[[[1]]]], [{ a: { b: { c: 1 } } }], [[1, 2, 3, 4]], ["abcdef"], [undefined], [{ a: undefined }]])("refuses %j", (value) => {
    expect(schema.safeParse(value).success).toBe(false);
  });
});

describe("directory keys", () => {
  it("stores tokens under their SHA-256, never the raw token", () => {
    const token = "82c5bbe7-d9fd-4f5d-a06c-e34e588db2fd";
    const key = directoryKeys.token(tokenHash(token));
    expect(key).toMatch(/^tokens\.[0-9a-f]{64}$/);
    expect(key).not.toContain(token);
    expect(tokenHash(token.toUpperCase())).toBe(tokenHash(token));
  });

  it("refuses a raw token as a key", () => {
    expect(() => directoryKeys.token("82c5bbe7-d9fd-4f5d-a06c-e34e588db2fd")).toThrow();
  });

  it("looks unames up case-insensitively", () => {
    expect(directoryKeys.uname("Kate")).toBe(directoryKeys.uname("kATE"));
  });
});

describe("WalletEvent", () => {
  it("rejects unknown types and bad txids", () => {
    const base = { event_id: "e1", app_id: 1, auth_id: 2 };
    expect(WalletEvent.safeParse({ ...base, type: "bet_won", amount: 5 }).success).toBe(false);
    expect(WalletEvent.safeParse({ ...base, type: "deposit_seen", txid: "xyz", vout: 0, amount: 5 }).success).toBe(false);
    expect(
      WalletEvent.safeParse({ ...base, type: "deposit_seen", txid: "a".repeat(64), vout: 0, amount: 5 }).success,
    ).toBe(true);
  });
});
