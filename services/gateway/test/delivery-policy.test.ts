import { describe, expect, it } from "vitest";
import { deliverEvery, increasingSeq } from "../src/relay/delivery-policy";

describe("delivery policies", () => {
  it("deliverEvery admits every message, repeats included", () => {
    const room = deliverEvery.openRoom("r");
    expect([1, 1, 2].map((m) => deliverEvery.admit(room, m))).toEqual([true, true, true]);
  });

  it("increasingSeq drops a message numbered at or below the room's last, per room, however late", () => {
    const policy = increasingSeq((m: { seq: number }) => m.seq, (room) => (room === "b" ? 5 : 0));
    const a = policy.openRoom("a");
    const b = policy.openRoom("b");
    expect([1, 1, 2, 4, 3, 5].map((seq) => policy.admit(a, { seq }))).toEqual([true, false, true, true, false, true]);
    expect(a).toEqual({ last: 5 });
    expect([5, 6].map((seq) => policy.admit(b, { seq }))).toEqual([false, true]);
  });
});
