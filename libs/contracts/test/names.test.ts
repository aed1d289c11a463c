import { describe, expect, it } from "vitest";
import { createNames } from "../src";

describe("createNames", () => {
  const names = createNames("ns1");

  it("roots every subject, stream and bucket at the namespace", () => {
    expect(names.directoryBucket).toBe("ns1_directory");
    expect(names.rpc.chatPost).toBe("ns1.rpc.chat.post");
    expect(names.gateway.heartbeat).toBe("ns1.gateway.heartbeat");
    expect(names.fanout.chat(7)).toBe("ns1.out.chat.7");
    expect(names.fanout.deposits(7, 9)).toBe("ns1.out.deposits.7.9");
    expect(names.fanout.depositsOfApp(7)).toBe("ns1.out.deposits.7.*");
    expect(names.fanout.bets(7)).toBe("ns1.out.bets.7");
    expect(names.upstream.wallet(7, 9)).toBe("ns1.wallet.7.9");
    expect(names.upstream.walletStream).toBe("ns1_WALLET");
    expect(names.upstream.bets(3)).toBe("ns1.bets.3");
    expect(names.bucket("wallet_state")).toBe("ns1_wallet_state");
  });

  it("keeps namespaces apart", () => {
    expect(createNames("a").fanout.chat(1)).not.toBe(createNames("b").fanout.chat(1));
  });

  it.each(["", "a.b", "a*", "a>", "a b", "x".repeat(49)])("rejects namespace %j", (ns) => {
    expect(() => createNames(ns)).toThrow();
  });

  it.each([1.5, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 1])("rejects id %s as a subject token", (id) => {
    expect(() => names.fanout.chat(id)).toThrow(TypeError);
    expect(() => names.fanout.deposits(1, id)).toThrow(TypeError);
  });

  it("rejects non-hex and wildcard tokens", () => {
    expect(() => names.hexToken("abc.def")).toThrow();
    expect(() => names.hexToken("*")).toThrow();
    expect(() => names.bucket("a.b")).toThrow();
    expect(names.hexToken("00ff")).toBe("00ff");
  });
});
