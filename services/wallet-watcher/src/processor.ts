/**
 * Turns one upstream JetStream message into committed ledger state and published
 * notifications, exactly once per fact and in stream order per user:
 *
 *   decode -> per-user queue ->
 *     load state -> order gate -> apply (pure) -> CAS save (retry on conflict)
 *     -> publish the outbox in order -> ack
 *   (published entries leave the outbox with the user's next save: one KV write per event)
 *   (an invalid message, or one the ledger refuses as beyond its bounds, is dead-lettered
 *   instead of applied, and still advances the gate)
 *
 * A dead letter carries at most `DEAD_LETTER_MAX_COPY` bytes of the message, so it always
 * fits in a NATS message; a longer one is cut and names the original by its stream sequence.
 * A stored ledger that no longer validates is dead-lettered the same way and replaced.
 *
 * Order gate: the ledger records up to which stream sequence the user's subject is handled.
 * A message is applied only when no earlier message of that subject is still unhandled:
 * known from this replica's own deliveries when it has seen every delivery since that
 * subject's previous message (`DeliveryTrail`), else asked of the stream with
 * `next_by_subj` (one round trip). Otherwise it is held in memory (unacked, kept
 * alive with `working()`, not occupying a concurrency slot) and retried when this replica
 * handles an earlier message of that user, or on a timer (20 ms, backing off to 1 s while
 * nothing moves) when another replica may have.
 * So replicas and redeliveries after a crash never reorder one user's notifications.
 *
 * A crash after the save and before the publish leaves the notifications in the outbox;
 * the redelivered message (already applied, so a no-op for the ledger) publishes them. A
 * replica remembers up to which `seq` it published each user's outbox and does not publish
 * those again; a replica without that memory publishes the whole outbox again, oldest first.
 * Gateways drop a second copy by the notification's `seq`.
 */
import type { JetStreamClient, JetStreamManager, JsMsg, MsgRequest } from "@nats-io/jetstream";
import { headers } from "@nats-io/transport-node";
import { decode, encode, WalletEvent, type Names } from "@socketpot/contracts";
import { KeyedQueue } from "./concurrency";
import { DeliveryTrail } from "./delivery-trail";
import {
  apply,
  handledThrough,
  markHandled,
  markPublished,
  type LedgerLimits,
  type LedgerState,
  type Outcome,
  type StreamPosition,
} from "./ledger";
import type { Log } from "./log";
import { LedgerConflict, ledgerKey, type Corrupt, type LedgerStore, type Loaded } from "./store";

/** Where the next message of a subject is in the stream. */
export interface SubjectCursor {
  /** Sequence of the first message on `subject` at or after `fromSeq`, or null if none. */
  nextSeq(subject: string, fromSeq: number): Promise<number | null>;
}

export function streamCursor(jsm: JetStreamManager, stream: string, allowDirect: boolean): SubjectCursor {
  return {
    async nextSeq(subject, fromSeq) {
      if (allowDirect) {
        const msg = await jsm.direct.getMessage(stream, { seq: fromSeq, next_by_subj: subject });
        return msg ? msg.seq : null;
      }
      // `next_by_subj` (NATS 2.9+) is missing from the client's MsgRequest type.
      const query = { seq: fromSeq, next_by_subj: subject } as unknown as MsgRequest;
      const msg = await jsm.streams.getMessage(stream, query);
      return msg ? msg.seq : null;
    },
  };
}

export type ProcessorDeps = {
  js: JetStreamClient;
  names: Names;
  store: LedgerStore;
  cursor: SubjectCursor;
  log: Log;
  limits: LedgerLimits;
  /** The upstream stream's epoch (see `WalletResources.epoch`). */
  epoch: string;
  /** The consumer's ack wait: held messages are kept alive well within it. */
  ackWaitMs: number;
  /** CAS attempts per step before giving up (the message is then redelivered). */
  maxCasAttempts?: number;
  /** Users whose last known state is kept in memory to save a KV read. */
  cacheSize?: number;
  /** Subjects whose last delivery is remembered to save the order check's stream read. */
  trailSize?: number;
  /** Messages held in memory at most; beyond, a held message is nak'ed with a delay. */
  maxHeld?: number;
  /** How often held messages are re-checked for another replica's progress. */
  holdRecheckMs?: number;
  /**
   * A message held this long is applied anyway: whatever it waits for is not in flight
   * (a lost ledger, or a predecessor acked long ago). Must exceed the ack wait.
   */
  orderStallMs: number;
};

export type ProcessResult = "applied" | "duplicate" | "ignored" | "dead_lettered" | "held";

export type Counters = {
  processed: number;
  applied: number;
  duplicates: number;
  ignored: number;
  deadLettered: number;
  held: number;
  notificationsPublished: number;
  casConflicts: number;
  failures: number;
  /** Order checks that asked the stream (the deliveries did not tell). */
  orderReads: number;
};

export const emptyCounters = (): Counters => ({
  processed: 0,
  applied: 0,
  duplicates: 0,
  ignored: 0,
  deadLettered: 0,
  held: 0,
  notificationsPublished: 0,
  casConflicts: 0,
  failures: 0,
  orderReads: 0,
});

const MAX_ERROR_HEADER = 512;

/** Bytes of a message copied into its dead letter; the original stays in its stream. */
export const DEAD_LETTER_MAX_COPY = 64 * 1024;

/** A held message that does not fit in memory comes back after this long. */
const HOLD_OVERFLOW_NAK_MS = 250;

type Gate = (state: LedgerState, fromCache: boolean) => Promise<"open" | "held" | "stale">;
const HELD = Symbol("held");

export function createProcessor(deps: ProcessorDeps) {
  const { js, names, store, cursor, log, limits, epoch } = deps;
  const maxCasAttempts = deps.maxCasAttempts ?? 50;
  const knownLimit = deps.cacheSize ?? 10_000;
  const maxHeld = deps.maxHeld ?? 1_000;
  const holdRecheckMs = deps.holdRecheckMs ?? 20;
  const queue = new KeyedQueue();
  const trail = new DeliveryTrail(deps.trailSize ?? 100_000);
  /**
   * Per delivered message, the stream sequence of its subject's previous message when the
   * deliveries tell it (`DeliveryTrail`); kept while the message is in flight or held.
   */
  const previous = new WeakMap<JsMsg, number>();
  const counters = emptyCounters();
  /** Held messages per user key, lowest stream sequence first. */
  const held = new Map<string, JsMsg[]>();
  /** When each held message (by stream sequence) was first held here. */
  const heldSince = new Map<number, number>();
  /** Per user with held messages: when to re-check next, backing off while nothing moves. */
  const recheck = new Map<string, { at: number; delay: number }>();
  const MAX_RECHECK_MS = 1_000;
  const retrying = new Set<string>();
  let heldCount = 0;
  let closed = false;
  let recheckTimer: NodeJS.Timeout | undefined;
  let workingTimer: NodeJS.Timeout | undefined;

  async function backoff(attempt: number): Promise<void> {
    const ms = Math.min(50, 1 + attempt * 2) * Math.random();
    await new Promise((r) => setTimeout(r, ms));
  }

  /**
   * The last state this replica read or wrote per user, with its revision: the first CAS
   * attempt uses it instead of reading the KV again. Another replica's write makes that
   * attempt fail with a conflict, and the retry reads the KV. Bounded (oldest dropped).
   */
  const known = new Map<string, { state: LedgerState; revision: number | null }>();
  /** Per user, the highest `seq` this replica published (bounded like `known`). */
  const published = new Map<string, number>();
  const publishedThrough = (key: string, seq: number) => {
    published.delete(key);
    published.set(key, seq);
    if (published.size > knownLimit) published.delete(published.keys().next().value!);
  };
  /** A state about to be saved, without the outbox entries this replica already published. */
  const withoutPublished = (key: string, s: LedgerState): LedgerState => {
    const through = published.get(key);
    return through === undefined ? s : markPublished(s, through).state;
  };
  const remember = (key: string, entry: { state: LedgerState; revision: number | null }) => {
    known.delete(key);
    known.set(key, entry);
    if (known.size > knownLimit) known.delete(known.keys().next().value!);
  };

  /**
   * Read-modify-write with CAS. `change` returns null when nothing needs writing; `gate`
   * may hold the message (returns HELD) or ask for a fresh read of a cached state.
   */
  async function update(
    appId: number,
    authId: number,
    change: (s: LedgerState) => LedgerState | null,
    gate?: Gate,
  ): Promise<{ state: LedgerState; revision: number | null } | typeof HELD> {
    const key = ledgerKey(appId, authId);
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? known.get(key) : undefined;
      const loaded: Loaded = cached ?? (await store.load(appId, authId));
      if (loaded.corrupt) await deadLetterLedger(key, { ...loaded, corrupt: loaded.corrupt });
      if (gate) {
        const verdict = await gate(loaded.state, cached !== undefined);
        if (verdict === "stale") {
          known.delete(key);
          continue;
        }
        if (verdict === "held") return HELD;
      }
      // A replaced corrupt ledger is written even when the change itself writes nothing.
      const changed = change(loaded.state) ?? (loaded.corrupt ? loaded.state : null);
      const next = changed === null ? null : withoutPublished(key, changed);
      if (next === null) {
        if (cached) {
          // Nothing to write, so the cache was not checked against the KV: read it.
          known.delete(key);
          continue;
        }
        remember(key, { state: loaded.state, revision: loaded.revision });
        return loaded;
      }
      try {
        const revision = await store.save(next, loaded.revision);
        remember(key, { state: next, revision });
        return { state: next, revision };
      } catch (err) {
        known.delete(key);
        if (!(err instanceof LedgerConflict) || attempt + 1 >= maxCasAttempts) throw err;
        if (!cached) {
          counters.casConflicts++;
          await backoff(attempt);
        }
      }
    }
  }

  /**
   * Opens when no message of `msg`'s subject before it is unhandled by the ledger: when the
   * previous one is known from the deliveries, without asking the stream.
   */
  function orderGate(msg: JsMsg, stalled: boolean): Gate {
    const { subject, seq } = msg;
    const before = previous.get(msg);
    return async (state, fromCache) => {
      const through = handledThrough(state, epoch);
      if (seq <= through || stalled) return "open";
      if (before !== undefined) {
        if (before <= through) return "open";
        // That message is not handled yet, by this state: a cached one may just be behind.
        return fromCache ? "stale" : "held";
      }
      counters.orderReads++;
      const next = await cursor.nextSeq(subject, through + 1);
      if (next === null || next >= seq) return "open";
      // A cached state may simply be behind another replica's writes: check the KV first.
      return fromCache ? "stale" : "held";
    };
  }

  /**
   * Publishes the outbox entries this replica has not published yet, oldest first. Another
   * publisher of the same user's outbox (a replica without this memory) publishes every entry
   * again, oldest first, so a gateway always gets a user's notifications in order and drops
   * the copies by `seq`.
   */
  async function publishOutbox(state: LedgerState): Promise<void> {
    const key = ledgerKey(state.app_id, state.auth_id);
    const done = published.get(key) ?? 0;
    const fresh = state.outbox.filter((n) => n.change.seq > done);
    if (fresh.length === 0) return;
    const subject = names.fanout.deposits(state.app_id, state.auth_id);
    // Published through JetStream and acknowledged by the deposits stream: a plain publish
    // was lost when the NATS node it went to died (neither the gateways nor the stream got
    // it, and this replica believed it sent). Gateways receive it like any publish; one not
    // acknowledged fails the event, which is redelivered and published again (the msgID and
    // the gateways' seq check drop the copies).
    await Promise.all(fresh.map((n) => js.publish(subject, encode(n), { msgID: `${key}.${n.change.seq}` })));
    counters.notificationsPublished += fresh.length;
    publishedThrough(key, fresh[fresh.length - 1]!.change.seq);
  }

  /** Publishes a bounded copy of `data` to the dead-letter stream; `msgID` makes a retry a no-op. */
  async function publishDeadLetter(data: Uint8Array, error: string, fields: Record<string, string>, msgID: string): Promise<void> {
    const h = headers();
    h.set("Socketpot-Error", error.slice(0, MAX_ERROR_HEADER).replace(/[\r\n]+/g, " "));
    for (const [k, v] of Object.entries(fields)) h.set(k, v);
    if (data.length > DEAD_LETTER_MAX_COPY) {
      h.set("Socketpot-Truncated", "true");
      h.set("Socketpot-Original-Size", String(data.length));
    }
    await js.publish(names.upstream.walletDeadLetter, data.subarray(0, DEAD_LETTER_MAX_COPY), { headers: h, msgID });
    counters.deadLettered++;
  }

  async function deadLetter(msg: JsMsg, error: string): Promise<void> {
    const msgId = msg.headers?.get("Nats-Msg-Id") ?? "";
    log.warn({ seq: msg.seq, msg_id: msgId.slice(0, MAX_ERROR_HEADER), subject: msg.subject, error: error.slice(0, MAX_ERROR_HEADER) }, "wallet event dead-lettered");
    const fields: Record<string, string> = { "Socketpot-Original-Subject": msg.subject, "Socketpot-Original-Seq": String(msg.seq) };
    if (msgId) fields["Socketpot-Original-Msg-Id"] = msgId.slice(0, MAX_ERROR_HEADER);
    // Redelivery of the same bad message dead-letters it once.
    await publishDeadLetter(msg.data, error, fields, `dlq-${epoch}-${msg.seq}`);
  }

  /** Keeps a copy of a stored ledger that no longer validates before it is replaced. */
  async function deadLetterLedger(key: string, loaded: Loaded & { corrupt: Corrupt }): Promise<void> {
    log.error({ key, revision: loaded.revision, error: loaded.corrupt.error }, "corrupt ledger dead-lettered and replaced");
    const fields = { "Socketpot-Ledger-Key": key, "Socketpot-Ledger-Revision": String(loaded.revision) };
    await publishDeadLetter(loaded.corrupt.raw, loaded.corrupt.error, fields, `dlq-ledger-${key}-${loaded.revision}`);
  }

  function userKeyOf(msg: JsMsg): string | null {
    const owner = names.upstream.parseWallet(msg.subject);
    return owner ? ledgerKey(owner.app_id, owner.auth_id) : null;
  }

  /** Dead-letters a bad message, in order with the other messages of its subject's user. */
  async function reject(msg: JsMsg, error: string, position: StreamPosition, stalled: boolean): Promise<ProcessResult> {
    const owner = names.upstream.parseWallet(msg.subject);
    if (!owner) {
      await deadLetter(msg, error);
      return "dead_lettered";
    }
    return queue.run(ledgerKey(owner.app_id, owner.auth_id), async () => {
      const opened = await update(owner.app_id, owner.auth_id, () => null, orderGate(msg, stalled));
      if (opened === HELD) return "held";
      await deadLetter(msg, error);
      await update(owner.app_id, owner.auth_id, (s) => {
        const r = markHandled(s, position);
        return r.changed ? r.state : null;
      });
      return "dead_lettered";
    });
  }

  /** Processes one message; resolves when it may be acked (or is held), rejects when it must be redelivered. */
  async function processMessage(msg: JsMsg, stalled: boolean): Promise<ProcessResult> {
    const position = { epoch, seq: msg.seq };
    if (stalled) log.warn({ seq: msg.seq, subject: msg.subject }, "order gate stalled; applying without the earlier messages");
    const decoded = decode(WalletEvent, msg.data);
    if (!decoded.ok) return reject(msg, decoded.error, position, stalled);
    const event = decoded.value;
    if (msg.subject !== names.upstream.wallet(event.app_id, event.auth_id)) {
      return reject(msg, `subject ${msg.subject} does not match app_id ${event.app_id} / auth_id ${event.auth_id}`, position, stalled);
    }
    return queue.run(ledgerKey(event.app_id, event.auth_id), async () => {
      let outcome: Outcome = { kind: "duplicate_event" };
      const committed = await update(
        event.app_id,
        event.auth_id,
        (s) => {
          const r = apply(s, event, position, limits);
          outcome = r.outcome;
          return r.changed ? r.state : null;
        },
        orderGate(msg, stalled),
      );
      if (committed === HELD) return "held";
      const settled = outcome as Outcome;
      if (settled.kind === "refused") {
        await deadLetter(msg, settled.reason);
        await update(event.app_id, event.auth_id, (s) => {
          const r = markHandled(s, position);
          return r.changed ? r.state : null;
        });
        await publishOutbox(committed.state);
        return "dead_lettered";
      }
      if (settled.kind === "ignored") {
        log.info({ event_id: event.event_id, seq: msg.seq, type: event.type, reason: settled.reason }, "wallet event changes nothing");
      } else {
        log.debug({ event_id: event.event_id, seq: msg.seq, type: event.type, outcome: settled.kind }, "wallet event processed");
      }
      // Also publishes what an earlier, interrupted run committed but did not publish.
      await publishOutbox(committed.state);
      switch (settled.kind) {
        case "applied":
          return "applied";
        case "duplicate_event":
          return "duplicate";
        case "ignored":
          return "ignored";
      }
    });
  }

  /** Runs `processMessage` and settles the message: ack, hold, or nak for redelivery. */
  async function settle(msg: JsMsg, fromHold: boolean): Promise<ProcessResult | "failed"> {
    if (!fromHold) counters.processed++;
    // Held here that long, or bounced back by the server that often (no room to hold it).
    const since = heldSince.get(msg.seq);
    const stalled =
      (since !== undefined && Date.now() - since > deps.orderStallMs) ||
      (since === undefined && (msg.info.deliveryCount - 1) * HOLD_OVERFLOW_NAK_MS > deps.orderStallMs);
    let result: ProcessResult;
    // The ack wait is short (a crashed replica's messages come back soon): a slow step keeps it alive.
    const keepAlive = setInterval(() => msg.working(), Math.max(100, Math.floor(deps.ackWaitMs / 3)));
    try {
      result = await processMessage(msg, stalled);
    } catch (err) {
      counters.failures++;
      log.error({ seq: msg.seq, msg_id: msg.headers?.get("Nats-Msg-Id") ?? "", err }, "wallet event failed; will be redelivered");
      msg.nak(1000);
      return "failed";
    } finally {
      clearInterval(keepAlive);
    }
    switch (result) {
      case "applied":
        counters.applied++;
        break;
      case "duplicate":
        counters.duplicates++;
        break;
      case "ignored":
        counters.ignored++;
        break;
      case "dead_lettered":
        break;
      case "held":
        if (!fromHold) hold(msg);
        return result;
    }
    msg.ack();
    const key = userKeyOf(msg);
    if (!fromHold && key !== null && held.has(key)) void retryHeld(key);
    return result;
  }

  function hold(msg: JsMsg): void {
    counters.held++;
    const key = userKeyOf(msg);
    const list = key === null ? undefined : (held.get(key) ?? []);
    if (closed || key === null || !list || heldCount >= maxHeld || list.some((m) => m.seq === msg.seq)) {
      // No room (or a redelivered copy of a message already held here): the server keeps it.
      msg.nak(HOLD_OVERFLOW_NAK_MS);
      return;
    }
    list.push(msg);
    list.sort((a, b) => a.seq - b.seq);
    held.set(key, list);
    heldSince.set(msg.seq, Date.now());
    heldCount++;
    startTimers();
  }

  /** Retries a user's held messages, lowest first, until one is still held. */
  async function retryHeld(key: string): Promise<void> {
    if (retrying.has(key)) return;
    retrying.add(key);
    try {
      for (;;) {
        const list = held.get(key);
        const msg = list?.[0];
        if (!list || !msg || closed) return;
        const result = await settle(msg, true);
        if (result === "held") {
          const prev = recheck.get(key)?.delay ?? holdRecheckMs;
          const delay = Math.min(MAX_RECHECK_MS, prev * 2);
          recheck.set(key, { at: Date.now() + delay, delay });
          return;
        }
        recheck.delete(key);
        // Settled (acked, or nak'ed after a failure): no longer ours to hold.
        if (list[0] === msg) {
          list.shift();
          heldSince.delete(msg.seq);
          heldCount--;
        }
        if (list.length === 0) {
          held.delete(key);
          recheck.delete(key);
        }
      }
    } finally {
      retrying.delete(key);
    }
  }

  function startTimers(): void {
    recheckTimer ??= setInterval(() => {
      if (held.size === 0) return stopTimers();
      const now = Date.now();
      for (const key of held.keys()) {
        const due = recheck.get(key);
        if (due === undefined || due.at <= now) void retryHeld(key);
      }
    }, holdRecheckMs);
    workingTimer ??= setInterval(
      () => {
        for (const list of held.values()) for (const m of list) m.working();
      },
      Math.max(100, Math.floor(deps.ackWaitMs / 3)),
    );
  }

  function stopTimers(): void {
    clearInterval(recheckTimer);
    clearInterval(workingTimer);
    recheckTimer = undefined;
    workingTimer = undefined;
  }

  return {
    counters,
    /**
     * Settles one delivered message (ack, hold or nak); never throws. Call it for every
     * delivery, in the order they arrive.
     */
    handle: (msg: JsMsg) => {
      const before = trail.observe({
        subject: msg.subject,
        streamSequence: msg.seq,
        deliverySequence: msg.info.deliverySequence,
        deliveryCount: msg.info.deliveryCount,
      });
      if (before !== undefined) previous.set(msg, before);
      return settle(msg, false);
    },
    get heldCount(): number {
      return heldCount;
    },
    /** Hands held messages back to the server for any replica, and stops retrying. */
    close(): void {
      closed = true;
      stopTimers();
      for (const list of held.values()) for (const m of list) m.nak();
      held.clear();
      heldSince.clear();
      recheck.clear();
      heldCount = 0;
    },
  };
}
export type Processor = ReturnType<typeof createProcessor>;
