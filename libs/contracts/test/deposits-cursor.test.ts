import { describe, expect, it } from "vitest";
import { DepositsCursor } from "../src/protocol/deposits-cursor";

describe("DepositsCursor", () => {
  it("asks nothing before its first auth, then trusts that snapshot", () => {
    const c = new DepositsCursor();
    expect(c.recover()).toBeUndefined();
    expect(c.authenticated({ unconfirmed_balance: 500, seq: 7 })).toBe(true);
    expect(c.take({ seq: 7 })).toBe("duplicate");
    expect(c.take({ seq: 8 })).toBe("live");
    expect(c.recover()).toEqual({ deposits_seq: 8 });
  });

  it("counts what a recovering auth replays, and drops copies", () => {
    const c = new DepositsCursor();
    c.authenticated({ unconfirmed_balance: 0, seq: 2 });
    expect(c.authenticated({ unconfirmed_balance: 0, seq: 5, recovered: true })).toBe(false);
    expect([3, 4, 4, 5, 6].map((seq) => c.take({ seq }))).toEqual(["replayed", "replayed", "duplicate", "replayed", "live"]);
    expect(c.recovered).toBe(3);
  });

  it("trusts the snapshot when the server could not recover everything", () => {
    const c = new DepositsCursor();
    c.authenticated({ unconfirmed_balance: 0, seq: 2 });
    expect(c.authenticated({ unconfirmed_balance: 900, seq: 40, recovered: false })).toBe(true);
    expect(c.seq).toBe(40);
    expect(c.take({ seq: 41 })).toBe("live");
  });
});
