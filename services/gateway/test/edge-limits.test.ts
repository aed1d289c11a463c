import { describe, expect, it } from "vitest";
import { EdgeLimits, NOTICE_EVERY_MS, disconnectText, type EdgeLimitSettings, type ScopeLimits } from "../src/edge-limits/edge-limits";
import { TokenBucket } from "../src/edge-limits/token-bucket";
import type { Admission, AdmissionRequest } from "../src/event-admission";

describe("TokenBucket", () => {
  it("starts full, refills at its rate, and keeps at most its burst", () => {
    const b = new TokenBucket(10, 3, 0);
    for (let i = 0; i < 3; i++) {
      expect(b.allows(1, 0)).toBe(true);
      b.take(1);
    }
    expect(b.allows(1, 0)).toBe(false);
    expect(b.allows(1, 99)).toBe(false);
    expect(b.allows(1, 100)).toBe(true);
    expect(b.full(10_000)).toBe(true);
    b.take(1);
    b.take(1);
    expect(b.allows(2, 10_000)).toBe(false);
  });

  it("lets a take above the burst through a full bucket only, and empties it without debt", () => {
    const b = new TokenBucket(1_000, 100, 0);
    expect(b.allows(500, 0)).toBe(true);
    b.take(500);
    expect(b.allows(1, 0)).toBe(false);
    expect(b.allows(1, 1)).toBe(true);
    expect(b.allows(500, 50)).toBe(false);
    expect(b.allows(500, 100)).toBe(true);
  });

  it("does not go back in time", () => {
    const b = new TokenBucket(10, 1, 1_000);
    b.take(1);
    expect(b.allows(1, 0)).toBe(false);
    expect(b.allows(1, 1_100)).toBe(true);
  });
});

const off: ScopeLimits = { events: { perSecond: 0, burst: 1 }, bytes: { perSecond: 0, burst: 1 }, pending: 0 };
const settings = (socket: Partial<ScopeLimits>, user: Partial<ScopeLimits> = {}): EdgeLimitSettings => ({
  socket: { ...off, ...socket },
  user: { ...off, ...user },
  disconnectAfter: { perSecond: 0, burst: 1 },
});

function harness(s: EdgeLimitSettings) {
  let now = 0;
  const limits = new EdgeLimits(s, () => now);
  const admit = (socketId: string, authId?: number, bytes = 10): Admission =>
    limits.admit({ socketId, authId, appId: authId === undefined ? undefined : 1, event: "new_message", bytes } satisfies AdmissionRequest);
  return { limits, admit, advance: (ms: number) => void (now += ms) };
}

const outcomes = (as: Admission[]) => as.map((a) => (a.ok ? "ok" : a.error));

describe("EdgeLimits", () => {
  it("refuses a socket's events over its rate with RATE_LIMITED, and admits again after the refill", () => {
    const { admit, advance } = harness(settings({ events: { perSecond: 5, burst: 2 } }));
    expect(outcomes([admit("a"), admit("a"), admit("a")])).toEqual(["ok", "ok", "RATE_LIMITED"]);
    expect(admit("b").ok).toBe(true);
    advance(200);
    expect(outcomes([admit("a"), admit("a")])).toEqual(["ok", "RATE_LIMITED"]);
  });

  it("counts every socket of one user against the user's budget, not other users'", () => {
    const { admit } = harness(settings({ events: { perSecond: 5, burst: 3 } }, { events: { perSecond: 5, burst: 4 } }));
    expect(outcomes([admit("a", 7), admit("a", 7), admit("b", 7), admit("b", 7), admit("c", 7)])).toEqual(["ok", "ok", "ok", "ok", "RATE_LIMITED"]);
    expect(admit("d", 8).ok).toBe(true);
    // A socket before auth has no user: only its own budget applies.
    expect(admit("e").ok).toBe(true);
  });

  it("limits unanswered events per socket and per user until they are released", () => {
    const { admit } = harness(settings({ pending: 2 }, { pending: 3 }));
    const first = admit("a", 1);
    expect(outcomes([first, admit("a", 1), admit("a", 1)])).toEqual(["ok", "ok", "RATE_LIMITED"]);
    expect(outcomes([admit("b", 1), admit("b", 1)])).toEqual(["ok", "RATE_LIMITED"]);
    if (first.ok) {
      first.release();
      first.release(); // twice counts once
    }
    expect(outcomes([admit("b", 1), admit("b", 1)])).toEqual(["ok", "RATE_LIMITED"]);
  });

  it("meters bytes per second; one event above the burst passes only a full bucket", () => {
    const { admit, advance } = harness(settings({ bytes: { perSecond: 1_000, burst: 1_000 } }));
    expect(outcomes([admit("a", undefined, 600), admit("a", undefined, 600)])).toEqual(["ok", "RATE_LIMITED"]);
    advance(1_000);
    expect(outcomes([admit("a", undefined, 5_000), admit("a", undefined, 10)])).toEqual(["ok", "RATE_LIMITED"]);
    advance(20);
    expect(admit("a", undefined, 10).ok).toBe(true);
  });

  it("takes nothing from the other budgets for a refused event", () => {
    const { admit } = harness(settings({ events: { perSecond: 1, burst: 1 } }, { events: { perSecond: 1, burst: 2 } }));
    expect(admit("a", 1).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(admit("a", 1).ok).toBe(false);
    expect(admit("b", 1).ok).toBe(true);
  });

  it("explains a refusal in a client_error text at most once a second per socket", () => {
    const { admit, advance } = harness(settings({ events: { perSecond: 1, burst: 1 } }, { pending: 1 }));
    admit("a");
    const texts = () => [admit("a"), admit("a")].map((a) => (a.ok ? "ok" : a.text));
    expect(texts()).toEqual([expect.stringMatching(/^Too many events: at most 1 per second \(bursts of 1\) per connection\. .*RATE_LIMITED/), undefined]);
    advance(NOTICE_EVERY_MS - 1);
    expect(texts()).toEqual([undefined, undefined]);
    advance(1);
    admit("b", 3);
    const refused = admit("c", 3);
    expect(!refused.ok && refused.text).toMatch(/at most 1 at once per user, across all of that user's connections/);
  });

  it("counts refusals by scope and limit", () => {
    const { limits, admit } = harness(settings({ events: { perSecond: 1, burst: 1 } }, { pending: 1 }));
    admit("a", 1);
    admit("a", 1);
    admit("b", 1);
    expect(Object.fromEntries(limits.refused().map(([r, n]) => [`${r.scope}:${r.limit}`, n]))).toEqual({ "socket:events": 1, "user:pending": 1 });
  });

  it("forgets closed sockets, and a user once its last socket closed and its budget refilled", () => {
    const { limits, admit, advance } = harness(settings({ events: { perSecond: 10, burst: 2 } }, { events: { perSecond: 10, burst: 2 } }));
    const release = (a: Admission) => void (a.ok && a.release());
    release(admit("a", 1));
    release(admit("b", 2));
    limits.closed("a");
    expect(limits.tracked).toEqual({ sockets: 1, users: 2 });
    // Reconnecting at once does not reset the user's budget.
    release(admit("a2", 1));
    expect(admit("a2", 1).ok).toBe(false);
    limits.closed("a2");
    advance(1_000);
    limits.closed("b");
    expect(limits.tracked).toEqual({ sockets: 0, users: 0 });
    // An event still unanswered keeps its user until it is released.
    const late = admit("c", 3);
    limits.closed("c");
    advance(1_000);
    limits.closed("never-seen");
    expect(limits.tracked).toEqual({ sockets: 0, users: 1 });
    release(late);
    limits.closed("never-seen");
    expect(limits.tracked).toEqual({ sockets: 0, users: 0 });
  });

  it("forgets the budget of a socket that has refilled, as if it was never used, and its user's once that refilled too", () => {
    const { limits, admit, advance } = harness(settings({ events: { perSecond: 10, burst: 2 } }, { events: { perSecond: 10, burst: 3 } }));
    const release = (a: Admission) => void (a.ok && a.release());
    release(admit("a", 1));
    release(admit("a", 1));
    expect(admit("a", 1).ok).toBe(false);
    // Refilled after 200 ms, but told of a refusal less than NOTICE_EVERY_MS ago: kept.
    advance(NOTICE_EVERY_MS - 1);
    release(admit("b", 2));
    expect(limits.tracked).toEqual({ sockets: 2, users: 2 });
    advance(1);
    release(admit("b", 2));
    expect(limits.tracked).toEqual({ sockets: 1, users: 1 });
    // What was forgotten was a full budget: the socket's next events count as from a fresh one.
    expect(outcomes([admit("a", 1), admit("a", 1), admit("a", 1)])).toEqual(["ok", "ok", "RATE_LIMITED"]);
    expect(limits.tracked).toEqual({ sockets: 2, users: 2 });
  });

  it("keeps a socket's budget while one of its events is unanswered", () => {
    const { limits, admit, advance } = harness(settings({ pending: 1 }));
    const first = admit("a");
    advance(10_000);
    const other = admit("b");
    if (other.ok) other.release();
    expect(limits.tracked.sockets).toBe(1);
    if (first.ok) first.release();
    expect(limits.tracked.sockets).toBe(0);
  });

  it("disconnects a socket refused more often than its disconnect budget allows", () => {
    let now = 0;
    const limits = new EdgeLimits({ ...settings({ events: { perSecond: 1, burst: 1 } }), disconnectAfter: { perSecond: 2, burst: 3 } }, () => now);
    const admit = () => limits.admit({ socketId: "a", event: "new_message", bytes: 10 });
    expect(admit().ok).toBe(true);
    const refused = [admit(), admit(), admit()];
    expect(refused.map((r) => !r.ok && r.disconnect)).toEqual([undefined, undefined, undefined]);
    const last = admit();
    expect(last).toMatchObject({ ok: false, error: "RATE_LIMITED", disconnect: true, text: disconnectText(limits.settings) });
    expect(limits.disconnects).toBe(1);
    // Refusals at the tolerated rate never disconnect.
    now += 10_000;
    for (let i = 0; i < 20; i++, now += 500) {
      const r = admit();
      expect(!r.ok && r.disconnect).toBeFalsy();
    }
  });
});
