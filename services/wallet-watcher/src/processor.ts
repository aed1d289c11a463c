/**
 * Turns one upstream JetStream message into committed ledger state and published
 * notifications, exactly once per fact:
 *
 *   decode -> (bad: dead-letter, ack) -> per-user queue:
 *     load state -> apply (pure) -> CAS save (retry on conflict)
 *     -> publish the outbox in order, flush -> CAS remove the published entries -> ack
 *
 * A crash after the save and before the publish leaves the notifications in the outbox;
 * the redelivered message (already applied, so a no-op for the ledger) publishes them.
 * Gateways drop a second copy by the notification's dedupe key.
 */
import type { JsMsg } from "@nats-io/jetstream";
import type { JetStreamClient } from "@nats-io/jetstream";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import { decode, encode, WalletEvent, type Names } from "@socketpot/contracts";
import { KeyedQueue } from "./concurrency";
import { apply, markPublished, notificationKey, type LedgerLimits, type LedgerState, type Outcome } from "./ledger";
import type { Log } from "./log";
import { LedgerConflict, ledgerKey, type LedgerStore } from "./store";

export type ProcessorDeps = {
  nc: NatsConnection;
  js: JetStreamClient;
  names: Names;
  store: LedgerStore;
  log: Log;
  limits: LedgerLimits;
  /** The upstream stream's epoch (see `WalletResources.epoch`). */
  epoch: string;
  /** CAS attempts per step before giving up (the message is then redelivered). */
  maxCasAttempts?: number;
  /** Users whose last known state is kept in memory to save a KV read. */
  cacheSize?: number;
};

export type ProcessResult = "applied" | "duplicate" | "ignored" | "dead_lettered";

export type Counters = {
  processed: number;
  applied: number;
  duplicates: number;
  ignored: number;
  deadLettered: number;
  notificationsPublished: number;
  casConflicts: number;
  failures: number;
};

const MAX_ERROR_HEADER = 512;

export function createProcessor(deps: ProcessorDeps) {
  const { nc, js, names, store, log, limits, epoch } = deps;
  const maxCasAttempts = deps.maxCasAttempts ?? 50;
  const knownLimit = deps.cacheSize ?? 10_000;
  const queue = new KeyedQueue();
  const counters: Counters = {
    processed: 0,
    applied: 0,
    duplicates: 0,
    ignored: 0,
    deadLettered: 0,
    notificationsPublished: 0,
    casConflicts: 0,
    failures: 0,
  };

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
  const remember = (key: string, entry: { state: LedgerState; revision: number | null }) => {
    known.delete(key);
    known.set(key, entry);
    if (known.size > knownLimit) known.delete(known.keys().next().value!);
  };

  /** Read-modify-write with CAS; `change` returns null when nothing needs writing. */
  async function update(appId: number, authId: number, change: (s: LedgerState) => LedgerState | null): Promise<{ state: LedgerState; revision: number | null }> {
    const key = ledgerKey(appId, authId);
    for (let attempt = 0; ; attempt++) {
      const cached = attempt === 0 ? known.get(key) : undefined;
      const loaded = cached ?? (await store.load(appId, authId));
      const next = change(loaded.state);
      if (next === null) {
        if (cached) {
          // Nothing to write, so the cache was not checked against the KV: read it.
          known.delete(key);
          continue;
        }
        remember(key, loaded);
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

  async function publishOutbox(state: LedgerState): Promise<void> {
    if (state.outbox.length === 0) return;
    const subject = names.fanout.deposits(state.app_id, state.auth_id);
    for (const n of state.outbox) nc.publish(subject, encode(n));
    // The CAS write below goes over the same connection, after these publishes: when it
    // succeeds the server has routed the notifications, so whoever publishes this user's
    // outbox next is ordered after them.
    counters.notificationsPublished += state.outbox.length;
    const keys = state.outbox.map(notificationKey);
    await update(state.app_id, state.auth_id, (s) => {
      const r = markPublished(s, keys);
      return r.changed ? r.state : null;
    });
  }

  async function deadLetter(msg: JsMsg, error: string): Promise<void> {
    const msgId = msg.headers?.get("Nats-Msg-Id") ?? "";
    log.warn({ seq: msg.seq, msg_id: msgId, subject: msg.subject, error }, "bad wallet event dead-lettered");
    const h = headers();
    h.set("Socketpot-Error", error.slice(0, MAX_ERROR_HEADER).replace(/[\r\n]+/g, " "));
    h.set("Socketpot-Original-Subject", msg.subject);
    h.set("Socketpot-Original-Seq", String(msg.seq));
    if (msgId) h.set("Socketpot-Original-Msg-Id", msgId);
    // Redelivery of the same bad message dead-letters it once.
    await js.publish(names.upstream.walletDeadLetter, msg.data, { headers: h, msgID: `dlq-${epoch}-${msg.seq}` });
    counters.deadLettered++;
  }

  /** Process one message; resolves when it may be acked, rejects when it must be redelivered. */
  async function process(msg: JsMsg): Promise<ProcessResult> {
    const decoded = decode(WalletEvent, msg.data);
    if (!decoded.ok) {
      await deadLetter(msg, decoded.error);
      return "dead_lettered";
    }
    const event = decoded.value;
    const expected = names.upstream.wallet(event.app_id, event.auth_id);
    if (msg.subject !== expected) {
      await deadLetter(msg, `subject ${msg.subject} does not match app_id ${event.app_id} / auth_id ${event.auth_id}`);
      return "dead_lettered";
    }
    const position = { epoch, seq: msg.seq };
    return queue.run(ledgerKey(event.app_id, event.auth_id), async () => {
      let outcome: Outcome = { kind: "duplicate_event" };
      const { state } = await update(event.app_id, event.auth_id, (s) => {
        const r = apply(s, event, position, limits);
        outcome = r.outcome;
        return r.changed ? r.state : null;
      });
      const settled = outcome as Outcome;
      const result: ProcessResult = settled.kind === "applied" ? "applied" : settled.kind === "duplicate_event" ? "duplicate" : "ignored";
      if (settled.kind === "ignored") {
        log.info({ event_id: event.event_id, seq: msg.seq, type: event.type, reason: settled.reason }, "wallet event changes nothing");
      } else {
        log.debug({ event_id: event.event_id, seq: msg.seq, type: event.type, outcome: settled.kind }, "wallet event processed");
      }
      // Also publishes what an earlier, interrupted run committed but did not publish.
      await publishOutbox(state);
      return result;
    });
  }

  return {
    counters,
    async handle(msg: JsMsg): Promise<ProcessResult | "failed"> {
      counters.processed++;
      try {
        const result = await process(msg);
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
        }
        msg.ack();
        return result;
      } catch (err) {
        counters.failures++;
        log.error({ seq: msg.seq, msg_id: msg.headers?.get("Nats-Msg-Id") ?? "", err }, "wallet event failed; will be redelivered");
        msg.nak(1000);
        return "failed";
      }
    },
  };
}
export type Processor = ReturnType<typeof createProcessor>;
