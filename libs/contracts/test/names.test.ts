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
    expect(names.fanout.app(7)).toBe("ns1.out.app.7");
    expect(names.fanout.appUser(7, 9)).toBe("ns1.out.appuser.7.9");
    expect(names.fanout.appUsersOf(7)).toBe("ns1.out.appuser.7.*");
    expect(names.api.events).toBe("ns1.api.events");
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
    expect(() => names.fanout.appUser(1, id)).toThrow(TypeError);
  });

  it("rejects non-hex and wildcard tokens", () => {
    expect(() => names.hexToken("abc.def")).toThrow();
    expect(() => names.hexToken("*")).toThrow();
    expect(() => names.bucket("a.b")).toThrow();
    expect(names.hexToken("00ff")).toBe("00ff");
  });

  it("reads the app id of an upstream bets subject", () => {
    expect(names.upstream.parseBets(names.upstream.bets(42))).toBe(42);
    expect(names.upstream.parseBets(names.upstream.bets(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("gives app id 0 for anything that is not <bets prefix><canonical positive integer>", () => {
    const prefix = names.upstream.bets(1).slice(0, -1);
    for (const bad of [prefix, `${prefix}0`, `${prefix}007`, `${prefix}12a`, `${prefix}-1`, `${prefix}1.5`, `${prefix}99999999999999999`, createNames("other").upstream.bets(42), names.fanout.bets(42)]) {
      expect(names.upstream.parseBets(bad), bad).toBe(0);
    }
  });

  it("reads the app and user of an upstream wallet subject", () => {
    expect(names.upstream.parseWallet(names.upstream.wallet(7, 9))).toEqual({ app_id: 7, auth_id: 9 });
    const max = Number.MAX_SAFE_INTEGER;
    expect(names.upstream.parseWallet(names.upstream.wallet(max, max))).toEqual({ app_id: max, auth_id: max });
  });

  it("gives null for a subject that is not <wallet prefix><app_id>.<auth_id>", () => {
    const prefix = names.upstream.wallet(1, 1).slice(0, -3);
    for (const bad of [prefix, `${prefix}7`, `${prefix}7.`, `${prefix}.9`, `${prefix}0.9`, `${prefix}7.0`, `${prefix}07.9`, `${prefix}7.9.1`, `${prefix}7.x`, createNames("other").upstream.wallet(7, 9), names.fanout.deposits(7, 9)]) {
      expect(names.upstream.parseWallet(bad), bad).toBeNull();
    }
  });

  it("builds an app's bet fan-out subject as the prefix and its id", () => {
    expect(`${names.fanout.betsPrefix}12345`).toBe(names.fanout.bets(12345));
  });
});
