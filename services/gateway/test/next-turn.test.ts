import { describe, expect, it } from "vitest";
import { nextTurn } from "../src/next-turn";

describe("nextTurn", () => {
  it("gives every caller of one turn the same wait, so their requests go out together", async () => {
    const a = nextTurn();
    const b = nextTurn();
    await Promise.resolve();
    expect(nextTurn()).toBe(a);
    expect(b).toBe(a);
    await a;
    expect(nextTurn()).not.toBe(a);
  });

  it("resolves only after the microtasks of the current turn ran", async () => {
    const order: string[] = [];
    const waited = nextTurn().then(() => order.push("nextTurn"));
    queueMicrotask(() => order.push("microtask"));
    await waited;
    expect(order).toEqual(["microtask", "nextTurn"]);
  });
});
