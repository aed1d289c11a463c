/**
 * What the gateway reads from JetStream about one user's deposits: the snapshot from
 * wallet-watcher's ledger (KV), and the notifications the deposits stream still keeps
 * (`names.fanout.depositsStream`, one subject per user, oldest first).
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import type { NatsConnection } from "@nats-io/transport-node";
import { DepositFanout, DepositLedgerView, decode, depositLedgerKey, depositSeq, type Names } from "@socketpot/contracts";
import { DirectGets, type DirectReply } from "@socketpot/service-kit";

export type LedgerSnapshot = {
  unconfirmed: number;
  /** The `seq` of the user's newest notification (committed, maybe not yet published). */
  seq: number;
  /** The `seq` of the newest notification already published (the deposits stream's newest). */
  published: number;
};

export interface DepositHistory {
  snapshot(appId: number, authId: number): Promise<LedgerSnapshot>;
  /** The `seq` of the oldest notification the stream still keeps for the user, null if none. */
  oldest(appId: number, authId: number): Promise<number | null>;
  /** Every notification the stream keeps for the user, oldest first (copies included). */
  replay(appId: number, authId: number, each: (message: DepositFanout) => void): Promise<void>;
  /**
   * Every notification of the app's users the stream stored at or after `since` (Unix epoch
   * ms) and before the call, oldest first, with its subject (the user's room).
   */
  since(appId: number, since: number, each: (subject: string, message: DepositFanout) => void): Promise<void>;
}

const NOT_FOUND = /not found|no message found|10037|10059/i;
/** A stream found missing is looked up again after this long (a direct get to it would only time out). */
export const MISSING_STREAM_RECHECK_MS = 1_000;

/** `gets`: the gateway's direct-get reader (not closed here). */
export function createDepositHistory(nc: NatsConnection, names: Names, gets: DirectGets): DepositHistory {
  const stream = names.fanout.depositsStream;
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = () => (jsm ??= jetstreamManager(nc).catch((err: unknown) => Promise.reject(((jsm = undefined), err))));
  // The snapshot at every auth reads with direct gets: no Error built per request (DirectGets).
  const ledgerStream = `KV_${names.depositLedgerBucket}`;
  const ledgerSubject = (appId: number, authId: number) => `$KV.${names.depositLedgerBucket}.${depositLedgerKey(appId, authId)}`;
  /** Whether a stream exists: known once it does; a missing one is asked about again after a while. */
  const known = new Map<string, { exists: Promise<boolean>; at: number }>();
  function exists(name: string): Promise<boolean> {
    const hit = known.get(name);
    if (hit && (hit.at === Infinity || Date.now() - hit.at < MISSING_STREAM_RECHECK_MS)) return hit.exists;
    const entry = { exists: Promise.resolve(false), at: Date.now() };
    entry.exists = manager()
      .then((m) => m.streams.info(name))
      .then(
        (info) => {
          entry.at = Infinity;
          if (info.config.allow_direct !== true) throw new Error(`stream ${name} does not allow direct gets`);
          return true;
        },
        (err: unknown) => {
          if (err instanceof Error && NOT_FOUND.test(err.message)) return false;
          known.delete(name);
          throw err;
        },
      );
    known.set(name, entry);
    return entry.exists;
  }
  /** A direct get from a stream that exists; null when it does not (or has no such message). */
  async function last(stream: string, subject: string): Promise<Extract<DirectReply, { found: true }> | null> {
    if (!(await exists(stream))) return null;
    try {
      const reply = await gets.last(stream, subject);
      return reply.found ? reply : null;
    } catch (err) {
      // Deleted since (nobody answers): looked up again next time.
      known.delete(stream);
      throw err;
    }
  }
  async function lastPublished(appId: number, authId: number): Promise<number> {
    const reply = await last(stream, names.fanout.deposits(appId, authId));
    if (!reply) return 0;
    const decoded = decode(DepositFanout, reply.data);
    return decoded.ok ? depositSeq(decoded.value) : 0;
  }

  async function message(query: { last_by_subj: string } | { seq: number; next_by_subj: string }): Promise<DepositFanout | null> {
    try {
      const msg = await (await manager()).direct.getMessage(stream, query);
      if (!msg) return null;
      const decoded = decode(DepositFanout, msg.data);
      return decoded.ok ? decoded.value : null;
    } catch (err) {
      // No deposits stream yet: wallet-watcher has never run, so nothing was notified.
      if (err instanceof Error && NOT_FOUND.test(err.message)) return null;
      throw err;
    }
  }

  return {
    async snapshot(appId, authId) {
      // No ledger bucket yet: wallet-watcher has never run, so there is nothing.
      if (!(await exists(ledgerStream))) return { unconfirmed: 0, seq: 0, published: 0 };
      const entry = await last(ledgerStream, ledgerSubject(appId, authId));
      // A deleted or purged ledger is a marker without payload (KV-Operation DEL/PURGE).
      if (entry === null || entry.data.length === 0) {
        // No ledger (or a deleted one): the ledger numbers on after the stream's newest.
        const seq = await lastPublished(appId, authId);
        return { unconfirmed: 0, seq, published: seq };
      }
      const view = decode(DepositLedgerView, entry.data);
      if (!view.ok) return { unconfirmed: 0, seq: 0, published: 0 };
      const { unconfirmed, produced, outbox } = view.value;
      if (outbox.length === 0) return { unconfirmed, seq: produced, published: produced };
      // Outbox entries leave the ledger lazily: what was published is what the stream holds.
      return { unconfirmed, seq: produced, published: Math.min(produced, await lastPublished(appId, authId)) };
    },

    async oldest(appId, authId) {
      const first = await message({ seq: 1, next_by_subj: names.fanout.deposits(appId, authId) });
      return first ? depositSeq(first) : null;
    },

    async replay(appId, authId, each) {
      const subject = names.fanout.deposits(appId, authId);
      const last = await (await manager()).direct.getMessage(stream, { last_by_subj: subject }).catch((err: unknown) => {
        if (err instanceof Error && NOT_FOUND.test(err.message)) return null;
        throw err;
      });
      if (!last) return;
      const consumer = await jetstream(nc).consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
      const messages = await consumer.consume({ max_messages: 256 });
      try {
        for await (const m of messages) {
          const decoded = decode(DepositFanout, m.data);
          if (decoded.ok) each(decoded.value);
          if (m.seq >= last.seq) break;
        }
      } finally {
        messages.stop();
        await consumer.delete().catch(() => undefined);
      }
    },

    async since(appId, since, each) {
      const jsm = await manager();
      let info;
      try {
        // An ephemeral consumer of the app's subjects from `since`: it counts what it will
        // deliver when created, and the read stops there (newer ones arrive live).
        info = await jsm.consumers.add(stream, {
          filter_subject: names.fanout.depositsOfApp(appId),
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: new Date(since).toISOString(),
          ack_policy: AckPolicy.None,
          mem_storage: true,
          num_replicas: 1,
          inactive_threshold: nanos(30_000),
        });
      } catch (err) {
        if (err instanceof Error && NOT_FOUND.test(err.message)) return;
        throw err;
      }
      try {
        let left = info.num_pending;
        if (left === 0) return;
        const consumer = await jetstream(nc).consumers.get(stream, info.name);
        while (left > 0) {
          const batch = await consumer.fetch({ max_messages: Math.min(left, 256), expires: 5_000 });
          let got = 0;
          for await (const m of batch) {
            got++;
            left--;
            const decoded = decode(DepositFanout, m.data);
            if (decoded.ok) each(m.subject, decoded.value);
          }
          if (got === 0) throw new Error(`the deposits stream delivered nothing with ${left} notifications left`);
        }
      } finally {
        await jsm.consumers.delete(stream, info.name).catch(() => undefined);
      }
    },
  };
}
