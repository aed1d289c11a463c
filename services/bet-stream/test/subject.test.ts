import { describe, expect, it } from "vitest";
import { createNames } from "@socketpot/contracts";
import { appIdFromSubject } from "../src/service";

describe("appIdFromSubject", () => {
  const names = createNames("ns_1");
  const prefix = names.upstream.bets(0).slice(0, -1);

  it("reads the app id of an upstream bets subject", () => {
    expect(appIdFromSubject(names.upstream.bets(42), prefix)).toBe(42);
    expect(appIdFromSubject(names.upstream.bets(Number.MAX_SAFE_INTEGER), prefix)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("gives 0 for anything that is not <prefix><canonical positive integer>", () => {
    for (const bad of [prefix, `${prefix}0`, `${prefix}007`, `${prefix}12a`, `${prefix}-1`, `${prefix}1.5`, `${prefix}99999999999999999`, createNames("other").upstream.bets(42)]) {
      expect(appIdFromSubject(bad, prefix), bad).toBe(0);
    }
  });
});
