import { describe, expect, it } from "vitest";
import { ConfigError } from "@socketpot/service-kit";
import { loadWalletWatcherConfig } from "../src/config";

describe("wallet-watcher config", () => {
  it("has defaults for everything", () => {
    const c = loadWalletWatcherConfig({});
    expect(c.WALLET_CONCURRENCY).toBe(32);
    expect(c.WALLET_ACK_WAIT_MS).toBe(4_000);
    expect(c.SOCKETPOT_NAMESPACE).toBe("socketpot");
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("parses numbers from the environment", () => {
    const c = loadWalletWatcherConfig({ WALLET_CONCURRENCY: "8", WALLET_ACK_WAIT_MS: "2000" });
    expect(c.WALLET_CONCURRENCY).toBe(8);
    expect(c.WALLET_ACK_WAIT_MS).toBe(2000);
  });

  it("rejects max ack pending below the concurrency, naming the variable", () => {
    expect(() => loadWalletWatcherConfig({ WALLET_CONCURRENCY: "64", WALLET_MAX_ACK_PENDING: "10" })).toThrow(/WALLET_MAX_ACK_PENDING/);
  });

  it("rejects nonsense values", () => {
    expect(() => loadWalletWatcherConfig({ WALLET_CONCURRENCY: "lots" })).toThrow(ConfigError);
    expect(() => loadWalletWatcherConfig({ WALLET_ACK_WAIT_MS: "10" })).toThrow(/WALLET_ACK_WAIT_MS/);
  });

  it("requires the order stall limit to exceed the ack wait", () => {
    expect(() => loadWalletWatcherConfig({ WALLET_ACK_WAIT_MS: "5000", WALLET_ORDER_STALL_MS: "4000" })).toThrow(/WALLET_ORDER_STALL_MS/);
    expect(loadWalletWatcherConfig({ WALLET_ACK_WAIT_MS: "2000", WALLET_ORDER_STALL_MS: "3000" }).WALLET_ORDER_STALL_MS).toBe(3000);
  });
});

describe("wallet-watcher ledger limits", () => {
  it("defaults to 1,000 pending deposits and 21 million BTC", () => {
    const c = loadWalletWatcherConfig({});
    expect(c.WALLET_MAX_PENDING).toBe(1_000);
    expect(c.WALLET_MAX_AMOUNT).toBe(2_100_000_000_000_000);
  });

  it("refuses limits that would let a ledger outgrow a NATS message", () => {
    expect(() => loadWalletWatcherConfig({ WALLET_MAX_PENDING: "3000", WALLET_APPLIED_HORIZON: "3000" })).toThrow(/WALLET_MAX_PENDING/);
    expect(() => loadWalletWatcherConfig({ WALLET_MAX_AMOUNT: String(2 ** 53) })).toThrow(/WALLET_MAX_AMOUNT/);
  });
});

describe("ledger size bound", () => {
  it("holds for a full ledger of the longest entries", async () => {
    const { encode } = await import("@socketpot/contracts");
    const { emptyState } = await import("../src/ledger");
    const { ledgerBytesBound } = await import("../src/config");
    const c = { WALLET_MAX_PENDING: 1_000, WALLET_APPLIED_HORIZON: 500, WALLET_SETTLED_HORIZON: 500 };
    const id = (i: number) => `${i}`.padEnd(128, "x");
    const key = (i: number) => `${"f".repeat(64)}:${Number.MAX_SAFE_INTEGER - i}`;
    const amount = Number.MAX_SAFE_INTEGER;
    const state = {
      ...emptyState(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      unconfirmed: amount,
      confirmed: amount,
      confirmed_at: { epoch: "2026-12-03T08:00:00.123456789Z", seq: amount },
      through: { epoch: "2026-12-03T08:00:00.123456789Z", seq: amount },
      pending: Array.from({ length: c.WALLET_MAX_PENDING }, (_, i) => ({ key: key(i), amount, event_id: id(i) })),
      settled: Array.from({ length: c.WALLET_SETTLED_HORIZON }, (_, i) => ({ key: key(i), status: "confirmed" as const })),
      applied: Array.from({ length: c.WALLET_APPLIED_HORIZON }, (_, i) => id(i)),
      outbox: Array.from({ length: 8 }, (_, i) => ({ type: "confirmed" as const, event_id: id(i), change: { balance: amount, diff: -amount } })),
      produced: amount,
    };
    expect(encode(state).length).toBeLessThanOrEqual(ledgerBytesBound(c));
  });
});
