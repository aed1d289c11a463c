import { describe, expect, it } from "vitest";
import type { DepositFanout } from "@socketpot/contracts";
import { CatchUp } from "../src/features/deposits/catch-up";

const n = (seq: number): DepositFanout => ({ type: "unconfirmed", event_id: `e${seq}`, change: { balance: seq, diff: 1, seq } });

describe("CatchUp", () => {
  it("sends replayed notifications after the recovered seq once each, then the held live ones not replayed", () => {
    const c = new CatchUp(2);
    c.hold(n(5));
    c.hold(n(4));
    c.hold(n(6));
    expect([1, 2, 3, 3, 4].map((s) => c.replayed(n(s)))).toEqual(["skip", "skip", "send", "skip", "send"]);
    expect(c.heldContinues()).toBe(true);
    expect(c.drain()?.map((m) => m.change.seq)).toEqual([5, 6]);
    expect(c.delivered).toBe(6);
  });

  it("reports a gap in the replay or between the replay and the live notifications", () => {
    expect(new CatchUp(2).replayed(n(4))).toBe("gap");
    const c = new CatchUp(2);
    c.hold(n(5));
    expect(c.heldContinues()).toBe(false);
    expect(c.drain()).toBeNull();
  });
});
