import { describe, expect, it } from "vitest";
import type { WalletEvent } from "@socketpot/contracts";
import {
  apply,
  DEFAULT_LIMITS,
  emptyState,
  LedgerState,
  markPublished,
  type LedgerLimits,
  type Notification,
  type StreamPosition,
  handledThrough,
  markHandled,
  salvage,
} from "../src/ledger";
import { seededRandom } from "@socketpot/service-kit";

const APP = 7;
const USER = 42;
const TX_A = "a".repeat(64);
const TX_B = "b".repeat(64);

function seen(id: string, txid: string, vout: number, amount: number): WalletEvent {
  return { event_id: id, app_id: APP, auth_id: USER, type: "deposit_seen", txid, vout, amount };
}
function confirmed(id: string, txid: string, vout: number, amount: number, balance_after: number): WalletEvent {
  return { event_id: id, app_id: APP, auth_id: USER, type: "deposit_confirmed", txid, vout, amount, balance_after };
}
function dropped(id: string, txid: string, vout: number): WalletEvent {
  return { event_id: id, app_id: APP, auth_id: USER, type: "deposit_dropped", txid, vout, reason: "double_spent" };
}
function adjusted(id: string, amount: number, balance_after: number): WalletEvent {
  return { event_id: id, app_id: APP, auth_id: USER, type: "balance_adjusted", reason: amount < 0 ? "withdrawal" : "transfer_in", amount, balance_after };
}

/** Apply events in order, collecting every notification. */
function run(events: WalletEvent[], limits?: LedgerLimits, positions?: Map<string, StreamPosition>) {
  let state = emptyState(APP, USER);
  const notes: Notification[] = [];
  for (const e of events) {
    const r = apply(state, e, positions?.get(e.event_id) ?? null, limits);
    state = r.state;
    notes.push(...r.notifications);
  }
  return { state, notes };
}

describe("deposit_seen", () => {
  it("raises the unconfirmed balance by the amount", () => {
    const { state, notes } = run([seen("e1", TX_A, 0, 5000)]);
    expect(notes).toEqual([{ type: "unconfirmed", event_id: "e1", change: { balance: 5000, diff: 5000, seq: 1 } }]);
    expect(state.unconfirmed).toBe(5000);
    expect(state.pending).toEqual([{ key: `${TX_A}:0`, amount: 5000, event_id: "e1" }]);
  });

  it("accumulates several pending deposits", () => {
    const { notes, state } = run([seen("e1", TX_A, 0, 5000), seen("e2", TX_A, 1, 300)]);
    expect(notes.map((n) => n.change)).toEqual([
      { balance: 5000, diff: 5000, seq: 1 },
      { balance: 5300, diff: 300, seq: 2 },
    ]);
    expect(state.unconfirmed).toBe(5300);
  });

  it("ignores a second sighting of the same output under a new event id", () => {
    const first = run([seen("e1", TX_A, 0, 5000)]).state;
    const r = apply(first, seen("e1-again", TX_A, 0, 5000));
    expect(r.notifications).toEqual([]);
    expect(r.outcome).toEqual({ kind: "ignored", reason: "deposit_already_known" });
    expect(r.state.unconfirmed).toBe(5000);
    expect(r.state.applied).toContain("e1-again");
  });

  it("treats the same txid with another vout as another deposit", () => {
    const { state } = run([seen("e1", TX_A, 0, 100), seen("e2", TX_A, 1, 100)]);
    expect(state.pending).toHaveLength(2);
  });
});

describe("deposit_confirmed", () => {
  it("lowers the unconfirmed balance and raises the confirmed one", () => {
    const { notes, state } = run([seen("e1", TX_A, 0, 5000), confirmed("e2", TX_A, 0, 5000, 12000)]);
    expect(notes).toEqual([
      { type: "unconfirmed", event_id: "e1", change: { balance: 5000, diff: 5000, seq: 1 } },
      { type: "unconfirmed", event_id: "e2", change: { balance: 0, diff: -5000, seq: 2 } },
      { type: "confirmed", event_id: "e2", change: { balance: 12000, diff: 5000, seq: 3 } },
    ]);
    expect(state.unconfirmed).toBe(0);
    expect(state.confirmed).toBe(12000);
    expect(state.pending).toEqual([]);
    expect(state.settled).toEqual([{ key: `${TX_A}:0`, status: "confirmed" }]);
  });

  it("keeps other pending deposits when one confirms", () => {
    const { notes, state } = run([
      seen("e1", TX_A, 0, 5000),
      seen("e2", TX_B, 0, 700),
      confirmed("e3", TX_A, 0, 5000, 5000),
    ]);
    expect(notes[2]).toEqual({ type: "unconfirmed", event_id: "e3", change: { balance: 700, diff: -5000, seq: 3 } });
    expect(state.unconfirmed).toBe(700);
  });

  it("before its sighting notifies only the confirmed change, and the late sighting nothing", () => {
    const { notes, state } = run([confirmed("e2", TX_A, 0, 5000, 5000), seen("e1", TX_A, 0, 5000)]);
    expect(notes).toEqual([{ type: "confirmed", event_id: "e2", change: { balance: 5000, diff: 5000, seq: 1 } }]);
    expect(state.unconfirmed).toBe(0);
    expect(state.pending).toEqual([]);
  });

  it("lowers the unconfirmed balance by the amount that was seen", () => {
    // A publisher bug (different amounts) must not leave the unconfirmed balance off.
    const { notes, state } = run([seen("e1", TX_A, 0, 5000), confirmed("e2", TX_A, 0, 4000, 4000)]);
    expect(notes[1]!.change).toEqual({ balance: 0, diff: -5000, seq: 2 });
    expect(notes[2]!.change).toEqual({ balance: 4000, diff: 4000, seq: 3 });
    expect(state.unconfirmed).toBe(0);
  });

  it("confirming twice under two event ids notifies once", () => {
    const { notes } = run([
      seen("e1", TX_A, 0, 5000),
      confirmed("e2", TX_A, 0, 5000, 5000),
      confirmed("e3", TX_A, 0, 5000, 5000),
    ]);
    expect(notes.filter((n) => n.type === "confirmed")).toHaveLength(1);
  });

  it("after a drop (re-broadcast and mined) notifies the confirmed change only", () => {
    const { notes, state } = run([
      seen("e1", TX_A, 0, 5000),
      dropped("e2", TX_A, 0),
      confirmed("e3", TX_A, 0, 5000, 5000),
    ]);
    expect(notes.map((n) => [n.type, n.change.diff])).toEqual([
      ["unconfirmed", 5000],
      ["unconfirmed", -5000],
      ["confirmed", 5000],
    ]);
    expect(state.settled).toEqual([{ key: `${TX_A}:0`, status: "confirmed" }]);
  });
});

describe("deposit_dropped", () => {
  it("lowers the unconfirmed balance", () => {
    const { notes, state } = run([seen("e1", TX_A, 0, 5000), dropped("e2", TX_A, 0)]);
    expect(notes[1]).toEqual({ type: "unconfirmed", event_id: "e2", change: { balance: 0, diff: -5000, seq: 2 } });
    expect(state.unconfirmed).toBe(0);
    expect(state.confirmed).toBeNull();
  });

  it("before its sighting notifies nothing, and the late sighting nothing", () => {
    const { notes, state } = run([dropped("e2", TX_A, 0), seen("e1", TX_A, 0, 5000)]);
    expect(notes).toEqual([]);
    expect(state.unconfirmed).toBe(0);
  });

  it("of a confirmed deposit is ignored", () => {
    const before = run([seen("e1", TX_A, 0, 5000), confirmed("e2", TX_A, 0, 5000, 5000)]).state;
    const r = apply(before, dropped("e3", TX_A, 0));
    expect(r.notifications).toEqual([]);
    expect(r.outcome).toEqual({ kind: "ignored", reason: "deposit_already_confirmed" });
    expect(r.state.confirmed).toBe(5000);
  });

  it("twice notifies once", () => {
    const { notes } = run([seen("e1", TX_A, 0, 5000), dropped("e2", TX_A, 0), dropped("e3", TX_A, 0)]);
    expect(notes).toHaveLength(2);
  });
});

describe("balance_adjusted", () => {
  it("notifies a confirmed change with the signed amount and the balance after", () => {
    const { notes, state } = run([adjusted("e1", 10_000, 10_000), adjusted("e2", -2_500, 7_500)]);
    expect(notes).toEqual([
      { type: "confirmed", event_id: "e1", change: { balance: 10_000, diff: 10_000, seq: 1 } },
      { type: "confirmed", event_id: "e2", change: { balance: 7_500, diff: -2_500, seq: 2 } },
    ]);
    expect(state.confirmed).toBe(7_500);
    expect(state.unconfirmed).toBe(0);
  });

  it("does not touch the unconfirmed balance", () => {
    const { state, notes } = run([seen("e1", TX_A, 0, 5000), adjusted("e2", -100, 0)]);
    expect(state.unconfirmed).toBe(5000);
    expect(notes.filter((n) => n.type === "unconfirmed")).toHaveLength(1);
  });
});

describe("confirmed balance under reordering", () => {
  const at = (seq: number, epoch = "s1"): StreamPosition => ({ epoch, seq });

  it("an older event applied late reports the newer balance with its own diff", () => {
    const positions = new Map([
      ["e1", at(1)],
      ["e2", at(2)],
    ]);
    const { notes, state } = run([adjusted("e2", 50, 150), adjusted("e1", 100, 100)], undefined, positions);
    expect(notes.map((n) => n.change)).toEqual([
      { balance: 150, diff: 50, seq: 1 },
      { balance: 150, diff: 100, seq: 2 },
    ]);
    expect(state.confirmed).toBe(150);
    expect(state.confirmed_at).toEqual(at(2));
  });

  it("a newer stream epoch always counts as newer", () => {
    const positions = new Map([
      ["e1", at(900, "old")],
      ["e2", at(1, "new")],
    ]);
    const { state } = run([adjusted("e1", 100, 100), adjusted("e2", 5, 105)], undefined, positions);
    expect(state.confirmed).toBe(105);
  });

  it("without positions the last applied event wins", () => {
    const { state } = run([adjusted("e2", 50, 150), adjusted("e1", 100, 100)]);
    expect(state.confirmed).toBe(100);
  });
});

describe("handled-through position", () => {
  it("advances with each applied event, ignored and duplicate ones included", () => {
    let s = emptyState(APP, USER);
    expect(handledThrough(s, "s1")).toBe(0);
    s = apply(s, seen("e1", TX_A, 0, 5), { epoch: "s1", seq: 3 }).state;
    expect(handledThrough(s, "s1")).toBe(3);
    s = apply(s, seen("e2", TX_A, 0, 5), { epoch: "s1", seq: 9 }).state; // ignored: known deposit
    expect(handledThrough(s, "s1")).toBe(9);
  });

  it("never moves back, and counts as zero in another stream epoch", () => {
    let s = apply(emptyState(APP, USER), adjusted("e1", 1, 1), { epoch: "s1", seq: 9 }).state;
    s = apply(s, adjusted("e2", 1, 2), { epoch: "s1", seq: 4 }).state;
    expect(handledThrough(s, "s1")).toBe(9);
    expect(handledThrough(s, "s2")).toBe(0);
  });

  it("is advanced by a redelivered event that changes nothing else", () => {
    const s1 = apply(emptyState(APP, USER), adjusted("e1", 1, 1), { epoch: "s1", seq: 3 }).state;
    const r = apply(s1, adjusted("e1", 1, 1), { epoch: "s1", seq: 7 });
    expect(r.outcome).toEqual({ kind: "duplicate_event" });
    expect(r.changed).toBe(true);
    expect(r.notifications).toEqual([]);
    expect({ ...r.state, through: null }).toEqual({ ...s1, through: null });
    expect(handledThrough(r.state, "s1")).toBe(7);
    expect(apply(r.state, adjusted("e1", 1, 1), { epoch: "s1", seq: 7 }).changed).toBe(false);
  });

  it("is advanced by a dead letter without touching balances", () => {
    const s = run([seen("e1", TX_A, 0, 5000)]).state;
    const r = markHandled(s, { epoch: "s1", seq: 12 });
    expect(r.changed).toBe(true);
    expect(handledThrough(r.state, "s1")).toBe(12);
    expect(r.state.unconfirmed).toBe(5000);
    expect(r.state.outbox).toEqual(s.outbox);
    expect(markHandled(r.state, { epoch: "s1", seq: 12 }).changed).toBe(false);
  });
});

describe("duplicates and redelivery", () => {
  it("an event id applied before changes nothing", () => {
    const s1 = run([seen("e1", TX_A, 0, 5000)]).state;
    const r = apply(s1, seen("e1", TX_A, 0, 5000), null);
    expect(r.changed).toBe(false);
    expect(r.state).toBe(s1);
    expect(r.notifications).toEqual([]);
    expect(r.outcome).toEqual({ kind: "duplicate_event" });
  });

  it("a redelivered adjustment is not applied twice", () => {
    const { notes, state } = run([adjusted("e1", 100, 100), adjusted("e1", 100, 100)]);
    expect(notes).toHaveLength(1);
    expect(state.confirmed).toBe(100);
  });

  it("forgets event ids beyond the horizon, oldest first", () => {
    const limits = { ...DEFAULT_LIMITS, appliedHorizon: 3, settledHorizon: 3 };
    const { state } = run([adjusted("e1", 1, 1), adjusted("e2", 1, 2), adjusted("e3", 1, 3), adjusted("e4", 1, 4)], limits);
    expect(state.applied).toEqual(["e2", "e3", "e4"]);
  });

  it("forgets settled deposits beyond the horizon, but never pending ones", () => {
    const limits = { ...DEFAULT_LIMITS, appliedHorizon: 10, settledHorizon: 1 };
    const { state } = run(
      [seen("e1", TX_A, 0, 1), seen("e2", TX_A, 1, 2), seen("e3", TX_A, 2, 3), dropped("e4", TX_A, 0), dropped("e5", TX_A, 1)],
      limits,
    );
    expect(state.settled).toEqual([{ key: `${TX_A}:1`, status: "dropped" }]);
    expect(state.pending.map((p) => p.key)).toEqual([`${TX_A}:2`]);
  });
});

describe("outbox", () => {
  it("holds every new notification in order until it is marked published", () => {
    const { state, notes } = run([seen("e1", TX_A, 0, 5000), confirmed("e2", TX_A, 0, 5000, 5000)]);
    expect(state.outbox).toEqual(notes);
    expect(state.produced).toBe(3);
    const after = markPublished(state, 2);
    expect(after.changed).toBe(true);
    expect(after.state.outbox).toEqual([notes[2]]);
    expect(markPublished(after.state, 2).changed).toBe(false);
  });

  it("keeps unpublished notifications when a later event is applied", () => {
    const s1 = run([seen("e1", TX_A, 0, 5000)]).state;
    const r = apply(s1, seen("e2", TX_B, 0, 1));
    expect(r.state.outbox.map((n) => [n.event_id, n.change.seq])).toEqual([["e1", 1], ["e2", 2]]);
  });

  it("numbers a user's notifications 1, 2, 3, ... and the two of one confirmation apart", () => {
    const { notes, state } = run([seen("e1", TX_A, 0, 5000), confirmed("e2", TX_A, 0, 5000, 5000), adjusted("e3", 1, 5001)]);
    expect(notes.map((n) => n.change.seq)).toEqual([1, 2, 3, 4]);
    expect(state.produced).toBe(4);
  });

  it("numbers outbox entries stored before notifications carried seq: the newest of produced", () => {
    const { state } = run([seen("e1", TX_A, 0, 5000), seen("e2", TX_B, 0, 1)]);
    const stored = JSON.parse(JSON.stringify({ ...state, outbox: state.outbox.map((n) => ({ ...n, change: { balance: n.change.balance, diff: n.change.diff } })) }));
    expect(LedgerState.parse(stored).outbox).toEqual(state.outbox);
  });
});

describe("state", () => {
  it("round-trips through JSON and the stored schema", () => {
    const { state } = run([seen("e1", TX_A, 0, 5000), seen("e2", TX_B, 3, 7), confirmed("e3", TX_A, 0, 5000, 5000)]);
    expect(LedgerState.parse(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it("rejects a stored state whose unconfirmed balance disagrees with its pending deposits", () => {
    const { state } = run([seen("e1", TX_A, 0, 5000)]);
    expect(LedgerState.safeParse({ ...state, unconfirmed: 1 }).success).toBe(false);
  });

  it("refuses an event of another user", () => {
    expect(() => apply(emptyState(APP, USER + 1), seen("e1", TX_A, 0, 1))).toThrow(/state is/);
  });

  it("does not mutate its input", () => {
    const s1 = run([seen("e1", TX_A, 0, 5000)]).state;
    const copy = structuredClone(s1);
    apply(s1, confirmed("e2", TX_A, 0, 5000, 5000));
    expect(s1).toEqual(copy);
  });
});


describe("any delivery order with duplicates", () => {
  /**
   * A user's true history: deposits each seen, then confirmed or dropped or left pending,
   * and adjustments. Deliver it shuffled (within a bounded window) with duplicates, and
   * check every invariant the clients rely on.
   */
  function scenario(seed: number) {
    const rand = seededRandom(seed);
    const history: WalletEvent[] = [];
    let confirmedBalance = 0;
    let pendingExpected = 0;
    let eid = 0;
    const nextId = () => `s${seed}-e${eid++}`;
    const facts = { confirmedEvents: new Set<string>() };
    for (let d = 0; d < 30; d++) {
      const txid = (seed.toString(16) + d.toString(16)).padStart(64, "0");
      const amount = 1 + Math.floor(rand() * 100_000);
      history.push(seen(nextId(), txid, d % 3, amount));
      const fate = rand();
      if (fate < 0.6) {
        confirmedBalance += amount;
        const id = nextId();
        facts.confirmedEvents.add(id);
        history.push(confirmed(id, txid, d % 3, amount, confirmedBalance));
      } else if (fate < 0.8) {
        history.push(dropped(nextId(), txid, d % 3));
      } else {
        pendingExpected += amount;
      }
      if (rand() < 0.3) {
        const delta = rand() < 0.5 && confirmedBalance > 0 ? -Math.ceil(rand() * confirmedBalance) : 1 + Math.floor(rand() * 5000);
        if (delta !== 0) {
          confirmedBalance += delta;
          const id = nextId();
          facts.confirmedEvents.add(id);
          history.push(adjusted(id, delta, confirmedBalance));
        }
      }
    }
    // Delivery: local shuffles (redelivery reorders nearby messages) plus duplicates.
    const delivered = [...history];
    for (let i = 0; i < delivered.length; i++) {
      const j = Math.min(delivered.length - 1, i + Math.floor(rand() * 4));
      [delivered[i], delivered[j]] = [delivered[j]!, delivered[i]!];
    }
    for (let k = 0; k < 20; k++) {
      const at = Math.floor(rand() * delivered.length);
      delivered.splice(at, 0, delivered[Math.floor(rand() * at)] ?? delivered[0]!);
    }
    const positions = new Map(history.map((e, i) => [e.event_id, { epoch: "s", seq: i + 1 }]));
    return { delivered, positions, confirmedBalance, pendingExpected, facts };
  }

  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`keeps every invariant (seed ${seed})`, () => {
      const { delivered, positions, confirmedBalance, pendingExpected, facts } = scenario(seed);
      const { state, notes } = run(delivered, undefined, positions);

      // Numbered without gaps: each notification once.
      expect(notes.map((n) => n.change.seq)).toEqual(notes.map((_, i) => i + 1));

      // Every confirmed-balance fact notified exactly once.
      const confirmedIds = notes.filter((n) => n.type === "confirmed").map((n) => n.event_id);
      expect(new Set(confirmedIds)).toEqual(facts.confirmedEvents);
      expect(confirmedIds.length).toBe(facts.confirmedEvents.size);

      // The unconfirmed notifications form a chain that never goes negative and ends at the
      // amount still pending.
      let u = 0;
      for (const n of notes.filter((x) => x.type === "unconfirmed")) {
        expect(n.change.balance).toBe(u + n.change.diff);
        expect(n.change.balance).toBeGreaterThanOrEqual(0);
        u = n.change.balance;
      }
      expect(u).toBe(pendingExpected);
      expect(state.unconfirmed).toBe(pendingExpected);

      // The confirmed diffs add up to the final confirmed balance.
      const sum = notes.filter((n) => n.type === "confirmed").reduce((acc, n) => acc + n.change.diff, 0);
      expect(sum).toBe(confirmedBalance);
      // The last confirmed notification carries the final confirmed balance.
      expect(notes.filter((n) => n.type === "confirmed").at(-1)?.change.balance).toBe(confirmedBalance);
      expect(state.confirmed).toBe(confirmedBalance);
      expect(LedgerState.safeParse(state).success).toBe(true);
    });
  }
});

describe("bounds", () => {
  const limits = { ...DEFAULT_LIMITS, maxPending: 2, maxAmount: 1_000 };

  it("refuses a deposit beyond the pending limit and changes nothing", () => {
    const { state } = run([seen("e1", TX_A, 0, 1), seen("e2", TX_A, 1, 1)], limits);
    const r = apply(state, seen("e3", TX_A, 2, 1), null, limits);
    expect(r.outcome).toEqual({ kind: "refused", reason: "2 pending deposits already, the limit is 2" });
    expect(r.changed).toBe(false);
    expect(r.state).toBe(state);
    expect(r.notifications).toEqual([]);
  });

  it("refuses amounts and balances above the limit, and an unconfirmed total that would pass it", () => {
    const empty = emptyState(APP, USER);
    const refused = (s: LedgerState, e: WalletEvent) => apply(s, e, null, limits).outcome;
    expect(refused(empty, seen("e1", TX_A, 0, 1_001))).toMatchObject({ kind: "refused", reason: "deposit amount 1001 exceeds the limit 1000" });
    expect(refused(empty, confirmed("e1", TX_A, 0, 1, 1_001))).toMatchObject({ kind: "refused", reason: /balance_after/ });
    expect(refused(empty, adjusted("e1", -1_001, 0))).toMatchObject({ kind: "refused", reason: /adjustment amount/ });
    const { state } = run([seen("e1", TX_A, 0, 600)], limits);
    expect(refused(state, seen("e2", TX_B, 0, 401))).toMatchObject({ kind: "refused", reason: /unconfirmed total would be 1001/ });
    expect(refused(state, seen("e2", TX_B, 0, 400))).toEqual({ kind: "applied" });
  });

  it("keeps every total a safe integer with the default limits: two deposits of 2^53-1 are both refused", () => {
    const { state, notes } = run([seen("e1", TX_A, 0, Number.MAX_SAFE_INTEGER), seen("e2", TX_B, 0, Number.MAX_SAFE_INTEGER)]);
    expect(notes).toEqual([]);
    expect(state.unconfirmed).toBe(0);
  });

  it("does not refuse a duplicate of a pending deposit when full: it is ignored as before", () => {
    const { state } = run([seen("e1", TX_A, 0, 1), seen("e2", TX_A, 1, 1)], limits);
    expect(apply(state, seen("e9", TX_A, 0, 1), null, limits).outcome).toEqual({ kind: "ignored", reason: "deposit_already_known" });
  });
});

describe("salvage", () => {
  it("keeps the handled position and notification count of a state that no longer validates", () => {
    const through = { epoch: "x", seq: 12 };
    const s = salvage({ unconfirmed: 2 * Number.MAX_SAFE_INTEGER, through, produced: 7 }, APP, USER);
    expect(s).toEqual({ ...emptyState(APP, USER), through, produced: 7 });
    expect(LedgerState.safeParse(s).success).toBe(true);
  });

  it("starts empty from anything unreadable", () => {
    expect(salvage(null, APP, USER)).toEqual(emptyState(APP, USER));
    expect(salvage({ through: "no", produced: -1 }, APP, USER)).toEqual(emptyState(APP, USER));
  });
});

describe("what gateways read of a stored ledger", () => {
  it("is the unconfirmed balance, the notification count and the outbox", async () => {
    const { DepositLedgerView } = await import("@socketpot/contracts");
    const { state } = run([seen("e1", TX_A, 0, 5000), seen("e2", TX_B, 0, 7)]);
    const view = DepositLedgerView.parse(JSON.parse(JSON.stringify(state)));
    expect(view).toEqual({ unconfirmed: 5007, produced: 2, outbox: state.outbox });
  });
});
