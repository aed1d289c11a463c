/**
 * The per-user deposit ledger: a pure state machine.
 *
 *   apply(state, event, limits) -> { state, notifications, outcome }
 *
 * One `LedgerState` exists per (app_id, auth_id). It holds the user's pending (unconfirmed)
 * deposits, the unconfirmed balance (always the sum of the pending amounts), the last known
 * confirmed balance, the recently settled deposits, the ids of the recently applied events,
 * and an outbox of notifications that were committed but not yet published.
 *
 * Rules:
 * - `deposit_seen` of an unknown deposit: pending, unconfirmed `+amount`.
 * - `deposit_confirmed`: if pending, unconfirmed `-amount` (the amount that was added);
 *   then always (unless already confirmed) a confirmed change `{balance_after, +amount}`.
 *   Confirmed before seen: only the confirmed change, and the late `deposit_seen` is ignored.
 * - `deposit_dropped`: if pending, unconfirmed `-amount`; if unknown, remembered as dropped
 *   so a late `deposit_seen` is ignored; if already confirmed, ignored.
 *   A dropped deposit that later confirms (re-broadcast and mined) gets its confirmed change.
 * - `balance_adjusted`: a confirmed change `{balance_after, amount}`.
 * - Confirmed `balance` is the balance after the newest event applied so far, by stream
 *   position: an older event applied late (a redelivery overtaken by a newer one) still
 *   notifies its `diff`, but reports the newer balance, so the last notification a client
 *   receives always carries the current confirmed balance. (Bets move the confirmed balance
 *   between wallet events, so `balance` is not the previous balance plus `diff`.)
 * - An event id applied before (within the horizon) changes nothing and notifies nothing;
 *   so does a second event about a deposit fact already recorded (a republish under a new id).
 * - Bounds (`LedgerLimits`): an event is refused, changing nothing, when it would leave more
 *   than `maxPending` pending deposits, or carries an amount or balance above `maxAmount`, or
 *   would push the unconfirmed total above `maxAmount`. `maxAmount` is at most 2^53-1, so
 *   every number a state or notification holds is a safe integer; with the horizons the
 *   bounds also keep a stored state far below NATS's message size limit.
 *
 * - Every notification carries `change.seq`: the user's count of notifications including it
 *   (`produced` after it), so a user's notifications are numbered 1, 2, 3, ... without gaps.
 *
 * Nothing here reads a clock, the network or randomness: the same inputs give the same output.
 */
import { z } from "zod";
import { AppId, AuthId, DepositFanout, EventId, type WalletEvent } from "@socketpot/contracts";

export const LEDGER_VERSION = 1;

const Satoshis = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A deposit output, `txid:vout`. */
export type DepositKey = string;

export const SettledDeposit = z.object({
  key: z.string(),
  status: z.enum(["confirmed", "dropped"]),
});
export type SettledDeposit = z.infer<typeof SettledDeposit>;

export const PendingDeposit = z.object({
  key: z.string(),
  amount: Satoshis,
  event_id: EventId,
});
export type PendingDeposit = z.infer<typeof PendingDeposit>;

const Position = z.object({ epoch: z.string(), seq: z.number().int().nonnegative() });
const Produced = z.number().int().nonnegative();

/**
 * A committed notification in the outbox. Entries stored before notifications were numbered
 * have no `seq`: they are the newest `outbox.length` of `produced`, which numbers them.
 */
const StoredNotification = z.discriminatedUnion("type", [
  z.object({ type: z.literal("unconfirmed"), event_id: z.string(), change: DepositFanout.options[0].shape.change.partial({ seq: true }) }),
  z.object({ type: z.literal("confirmed"), event_id: z.string(), change: DepositFanout.options[1].shape.change.partial({ seq: true }) }),
]);

/** What is stored per user (JetStream KV value, JSON). */
export const LedgerState = z.object({
  v: z.literal(LEDGER_VERSION),
  app_id: AppId,
  auth_id: AuthId,
  /** Sum of `pending[].amount`; kept explicitly and checked on load. */
  unconfirmed: Satoshis,
  /** Confirmed balance after the newest applied confirmed change; null until the first one. */
  confirmed: Satoshis.nullable(),
  /** Stream position of the event `confirmed` comes from. */
  confirmed_at: Position.nullable(),
  /** Every message on this user's upstream subject up to this position has been handled. */
  through: Position.nullable().default(null),
  /** Deposits seen and neither confirmed nor dropped, oldest first. */
  pending: z.array(PendingDeposit),
  /** Recently settled deposits, oldest first, bounded by `settledHorizon`. */
  settled: z.array(SettledDeposit),
  /** Recently applied event ids, oldest first, bounded by `appliedHorizon`. */
  applied: z.array(EventId),
  /** Committed notifications not yet published, in order. */
  outbox: z.array(StoredNotification),
  /** Number of notifications ever produced for this user: the `seq` of the newest. */
  produced: Produced,
}).superRefine((s, ctx) => {
  const sum = s.pending.reduce((acc, p) => acc + p.amount, 0);
  if (sum !== s.unconfirmed) ctx.addIssue({ code: "custom", message: `unconfirmed ${s.unconfirmed} != sum of pending ${sum}` });
  if (s.outbox.length > s.produced) ctx.addIssue({ code: "custom", message: `outbox of ${s.outbox.length} > produced ${s.produced}` });
}).transform((s) => ({
  ...s,
  outbox: s.outbox.map((n, i): DepositFanout => ({ ...n, change: { ...n.change, seq: n.change.seq ?? s.produced - s.outbox.length + i + 1 } })),
}));
export type LedgerState = z.infer<typeof LedgerState>;

export type LedgerLimits = {
  /** How many applied event ids are remembered per user (redelivery/duplicate horizon). */
  appliedHorizon: number;
  /** How many settled (confirmed or dropped) deposits are remembered per user. */
  settledHorizon: number;
  /** Pending deposits a user may have at once. */
  maxPending: number;
  /** The largest amount, balance or unconfirmed total (satoshis, at most 2^53-1). */
  maxAmount: number;
};

/** 21 million BTC in satoshis. */
export const MAX_SUPPLY_SATOSHIS = 2_100_000_000_000_000;

export const DEFAULT_LIMITS: LedgerLimits = Object.freeze({
  appliedHorizon: 1000,
  settledHorizon: 1000,
  maxPending: 1000,
  maxAmount: MAX_SUPPLY_SATOSHIS,
});

export type Notification = DepositFanout;

export type Outcome =
  | { kind: "applied" }
  | { kind: "duplicate_event" }
  | { kind: "ignored"; reason: IgnoredReason }
  /** Beyond a bound: nothing changes, and the event is dead-lettered with `reason`. */
  | { kind: "refused"; reason: string };

export type IgnoredReason =
  | "deposit_already_known"
  | "deposit_already_confirmed"
  | "deposit_already_dropped";

/**
 * Where an event sits in the upstream stream: `seq` is its stream sequence, `epoch` names
 * the stream instance (a recreated stream restarts its sequences). Events of one user are
 * published in order, so within an epoch a higher `seq` is a newer fact.
 */
export type StreamPosition = { epoch: string; seq: number };

export type ApplyResult = {
  /** The new state; `changed` is false when it equals the input and need not be written. */
  state: LedgerState;
  changed: boolean;
  /** New notifications, also appended to `state.outbox`. */
  notifications: Notification[];
  outcome: Outcome;
};

export function depositKey(txid: string, vout: number): DepositKey {
  return `${txid}:${vout}`;
}

export function emptyState(appId: number, authId: number): LedgerState {
  return {
    v: LEDGER_VERSION,
    app_id: appId,
    auth_id: authId,
    unconfirmed: 0,
    confirmed: null,
    confirmed_at: null,
    through: null,
    pending: [],
    settled: [],
    applied: [],
    outbox: [],
    produced: 0,
  };
}

function keepLast<T>(items: T[], max: number): T[] {
  return items.length > max ? items.slice(items.length - max) : items;
}

function statusOf(state: LedgerState, key: DepositKey): "pending" | "confirmed" | "dropped" | "unknown" {
  if (state.pending.some((p) => p.key === key)) return "pending";
  // The newest settlement wins (a dropped deposit may later confirm).
  for (let i = state.settled.length - 1; i >= 0; i--) {
    const s = state.settled[i]!;
    if (s.key === key) return s.status;
  }
  return "unknown";
}

function ignoredReasonFor(status: "pending" | "confirmed" | "dropped"): IgnoredReason {
  switch (status) {
    case "pending":
      return "deposit_already_known";
    case "confirmed":
      return "deposit_already_confirmed";
    case "dropped":
      return "deposit_already_dropped";
  }
}

/**
 * Apply one wallet event to one user's state. The event must belong to this state's
 * (app_id, auth_id); a mismatch is a programming error and throws.
 */
export function apply(
  state: LedgerState,
  event: WalletEvent,
  position: StreamPosition | null = null,
  limits: LedgerLimits = DEFAULT_LIMITS,
): ApplyResult {
  if (event.app_id !== state.app_id || event.auth_id !== state.auth_id) {
    throw new Error(`event ${event.event_id} is for ${event.app_id}/${event.auth_id}, state is ${state.app_id}/${state.auth_id}`);
  }
  if (state.applied.includes(event.event_id)) {
    // Nothing to apply, but the message is handled: its position still counts.
    const handled = position !== null ? markHandled(state, position) : { state, changed: false };
    return { state: handled.state, changed: handled.changed, notifications: [], outcome: { kind: "duplicate_event" } };
  }

  const refusal = refusalOf(state, event, limits);
  if (refusal !== null) return { state, changed: false, notifications: [], outcome: { kind: "refused", reason: refusal } };

  let pending = state.pending;
  let settled = state.settled;
  let unconfirmed = state.unconfirmed;
  let confirmed = state.confirmed;
  let confirmedAt = state.confirmed_at;
  const notifications: Notification[] = [];
  const nextSeq = () => state.produced + notifications.length + 1;
  let outcome: Outcome = { kind: "applied" };

  const settle = (key: DepositKey, status: SettledDeposit["status"]) => {
    pending = pending.filter((p) => p.key !== key);
    settled = keepLast([...settled.filter((s) => s.key !== key), { key, status }], limits.settledHorizon);
  };
  const unconfirmedChange = (diff: number) => {
    unconfirmed += diff;
    notifications.push({ type: "unconfirmed", event_id: event.event_id, change: { balance: unconfirmed, diff, seq: nextSeq() } });
  };
  const confirmedChange = (balanceAfter: number, diff: number) => {
    if (confirmed === null || isNewer(position, confirmedAt)) {
      confirmed = balanceAfter;
      confirmedAt = position;
    }
    notifications.push({ type: "confirmed", event_id: event.event_id, change: { balance: confirmed, diff, seq: nextSeq() } });
  };

  switch (event.type) {
    case "deposit_seen": {
      const key = depositKey(event.txid, event.vout);
      const status = statusOf(state, key);
      if (status !== "unknown") {
        outcome = { kind: "ignored", reason: ignoredReasonFor(status) };
        break;
      }
      pending = [...pending, { key, amount: event.amount, event_id: event.event_id }];
      unconfirmedChange(event.amount);
      break;
    }
    case "deposit_confirmed": {
      const key = depositKey(event.txid, event.vout);
      const status = statusOf(state, key);
      if (status === "confirmed") {
        outcome = { kind: "ignored", reason: "deposit_already_confirmed" };
        break;
      }
      if (status === "pending") {
        const seen = state.pending.find((p) => p.key === key)!;
        settle(key, "confirmed");
        unconfirmedChange(-seen.amount);
      } else {
        settle(key, "confirmed");
      }
      confirmedChange(event.balance_after, event.amount);
      break;
    }
    case "deposit_dropped": {
      const key = depositKey(event.txid, event.vout);
      const status = statusOf(state, key);
      if (status === "confirmed" || status === "dropped") {
        outcome = { kind: "ignored", reason: ignoredReasonFor(status) };
        break;
      }
      if (status === "pending") {
        const seen = state.pending.find((p) => p.key === key)!;
        settle(key, "dropped");
        unconfirmedChange(-seen.amount);
      } else {
        // Dropped before seen: remember it so the late `deposit_seen` is ignored.
        settle(key, "dropped");
      }
      break;
    }
    case "balance_adjusted": {
      confirmedChange(event.balance_after, event.amount);
      break;
    }
    default: {
      const never: never = event;
      throw new Error(`unknown wallet event ${JSON.stringify(never)}`);
    }
  }

  const next: LedgerState = {
    ...state,
    unconfirmed,
    confirmed,
    confirmed_at: confirmedAt,
    through: position !== null && isNewer(position, state.through) ? position : state.through,
    pending,
    settled,
    applied: keepLast([...state.applied, event.event_id], limits.appliedHorizon),
    outbox: [...state.outbox, ...notifications],
    produced: state.produced + notifications.length,
  };
  return { state: next, changed: true, notifications, outcome };
}

/** Why `event` is beyond the limits for `state`, or null when it is within them. */
function refusalOf(state: LedgerState, event: WalletEvent, limits: LedgerLimits): string | null {
  const max = limits.maxAmount;
  const tooBig = (what: string, n: number) => (Math.abs(n) > max ? `${what} ${n} exceeds the limit ${max}` : null);
  switch (event.type) {
    case "deposit_seen": {
      if (statusOf(state, depositKey(event.txid, event.vout)) !== "unknown") return null;
      const amount = tooBig("deposit amount", event.amount);
      if (amount !== null) return amount;
      if (state.pending.length >= limits.maxPending) return `${state.pending.length} pending deposits already, the limit is ${limits.maxPending}`;
      if (state.unconfirmed + event.amount > max) return `unconfirmed total would be ${state.unconfirmed + event.amount}, the limit is ${max}`;
      return null;
    }
    case "deposit_confirmed":
      return tooBig("deposit amount", event.amount) ?? tooBig("balance_after", event.balance_after);
    case "deposit_dropped":
      return null;
    case "balance_adjusted":
      return tooBig("adjustment amount", event.amount) ?? tooBig("balance_after", event.balance_after);
  }
}

/**
 * The state that replaces a stored one that no longer validates: empty, but keeping how far
 * the user's subject is handled and how many notifications were produced when those fields
 * are still readable, so ordering and numbering go on from where they were.
 */
export function salvage(raw: unknown, appId: number, authId: number): LedgerState {
  const fresh = emptyState(appId, authId);
  if (typeof raw !== "object" || raw === null) return fresh;
  const r = raw as Record<string, unknown>;
  const through = Position.safeParse(r.through);
  const produced = Produced.safeParse(r.produced);
  return { ...fresh, through: through.success ? through.data : null, produced: produced.success ? produced.data : 0 };
}

/** Whether an event at `position` is newer than the one at `than`. Unknown positions count as newer. */
export function isNewer(position: StreamPosition | null, than: StreamPosition | null): boolean {
  if (position === null || than === null) return true;
  if (position.epoch !== than.epoch) return true;
  return position.seq > than.seq;
}

/** The stream sequence up to which this user's messages are handled, in `epoch` (0: none). */
export function handledThrough(state: LedgerState, epoch: string): number {
  return state.through !== null && state.through.epoch === epoch ? state.through.seq : 0;
}

/** Record that the message at `position` was handled without applying an event (a dead letter). */
export function markHandled(state: LedgerState, position: StreamPosition): { state: LedgerState; changed: boolean } {
  if (!isNewer(position, state.through)) return { state, changed: false };
  return { state: { ...state, through: position }, changed: true };
}

/** Remove published notifications, every one up to `seq`, from the outbox. */
export function markPublished(state: LedgerState, seq: number): { state: LedgerState; changed: boolean } {
  const outbox = state.outbox.filter((n) => n.change.seq > seq);
  if (outbox.length === state.outbox.length) return { state, changed: false };
  return { state: { ...state, outbox }, changed: true };
}
