import { describe, expect, it } from "vitest";
import { TokenSockets } from "../src/token-watch";

describe("TokenSockets", () => {
  it("revokes every socket of a token however many were added and removed, and only those", () => {
    const tokens = new TokenSockets();
    const revoked: string[] = [];
    const socket = (name: string) => ({ revoke: () => void revoked.push(name) });
    const [a, b, c, d] = [socket("a"), socket("b"), socket("c"), socket("d")];
    tokens.add("h1", a);
    tokens.add("h1", a);
    tokens.add("h1", b);
    tokens.add("h1", c);
    tokens.remove("h1", b);
    tokens.remove("h1", c);
    tokens.add("h1", d);
    tokens.add("h2", b);
    tokens.remove("h2", a);
    tokens.revoke("h1", () => undefined);
    expect(revoked.sort()).toEqual(["a", "d"]);
    expect(tokens.size).toBe(1);
    tokens.remove("h2", b);
    expect(tokens.size).toBe(0);
    tokens.revoke("h2", () => undefined);
    expect(revoked.sort()).toEqual(["a", "d"]);
  });

  it("goes on revoking after one throws", () => {
    const tokens = new TokenSockets();
    const errors: unknown[] = [];
    let later = false;
    tokens.add("h", {
      revoke: () => {
        throw new Error("boom");
      },
    });
    tokens.add("h", { revoke: () => void (later = true) });
    tokens.revoke("h", (err) => errors.push(err));
    expect(errors).toHaveLength(1);
    expect(later).toBe(true);
  });
});
