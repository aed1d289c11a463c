import { describe, expect, it } from "vitest";
import { parseRpcDeadline } from "@socketpot/contracts";

describe("parseRpcDeadline", () => {
  it("reads an epoch-milliseconds deadline", () => {
    expect(parseRpcDeadline("1764752400000")).toBe(1764752400000);
  });

  it("treats an absent or malformed header as no deadline", () => {
    for (const value of [undefined, "", "0", "-5", "12.5", "1e12", " 17", "abc", "99999999999999999"]) {
      expect(parseRpcDeadline(value), String(value)).toBeUndefined();
    }
  });
});
