import { describe, expect, it } from "vitest";
import { deliverEvery, dropRepeatedKeys } from "../src/relay/delivery-policy";

describe("delivery policies", () => {
  it("deliverEvery admits every message, repeats included", () => {
    const room = deliverEvery.openRoom();
    expect([1, 1, 2].map((m) => deliverEvery.admit(room, m))).toEqual([true, true, true]);
  });

  it("dropRepeatedKeys drops a key the room saw among its last perRoom keys, per room", () => {
    const policy = dropRepeatedKeys((m: { id: string }) => m.id, 2);
    const a = policy.openRoom();
    const b = policy.openRoom();
    expect(["x", "x", "y"].map((id) => policy.admit(a, { id }))).toEqual([true, false, true]);
    expect(policy.admit(b, { id: "x" })).toBe(true);
    // "z" pushes the oldest key ("x") out of room a's memory, which stays bounded.
    expect(policy.admit(a, { id: "z" })).toBe(true);
    expect(a.size).toBe(2);
    expect(policy.admit(a, { id: "x" })).toBe(true);
  });
});
