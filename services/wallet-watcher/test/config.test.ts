import { describe, expect, it } from "vitest";
import { ConfigError } from "@socketpot/service-kit";
import { loadWalletWatcherConfig } from "../src/config";

describe("wallet-watcher config", () => {
  it("has defaults for everything", () => {
    const c = loadWalletWatcherConfig({});
    expect(c.WALLET_CONCURRENCY).toBe(32);
    expect(c.WALLET_ACK_WAIT_MS).toBe(30_000);
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
