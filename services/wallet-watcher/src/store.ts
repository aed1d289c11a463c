/**
 * Per-user ledger state in a JetStream KV bucket, one key per (app_id, auth_id), written
 * with optimistic concurrency: `save` succeeds only if the key is still at the revision
 * that was read (or still absent), otherwise it throws `LedgerConflict` and the caller
 * reloads and retries.
 *
 * A stored value that no longer validates does not stop the user for good: it loads as
 * `salvage` of it, with the raw value handed back so the caller can keep a copy. A missing
 * or replaced ledger goes on numbering notifications after the last one the deposits stream
 * still holds for the user, so gateways never take new ones for repeats.
 */
import type { JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { decode, depositLedgerKey, encode, DepositFanout, type Names } from "@socketpot/contracts";
import { emptyState, LedgerState, salvage } from "./ledger";

export class LedgerConflict extends Error {
  override readonly name = "LedgerConflict";
  readonly retryable = true;
}

/** A stored value that is not a valid ledger of its key: why, and the bytes as stored. */
export type Corrupt = { error: string; raw: Uint8Array };

export type Loaded = { state: LedgerState; revision: number | null; corrupt?: Corrupt };

export interface LedgerStore {
  load(appId: number, authId: number): Promise<Loaded>;
  /** Write `state` if the key is still at `revision` (null: absent). Returns the new revision. */
  save(state: LedgerState, revision: number | null): Promise<number>;
}

export const ledgerKey = depositLedgerKey;

function isConflict(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (code === 10071 || code === 10164) return true;
  return /wrong last sequence|key exists/i.test(err.message);
}

function parseLoosely(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return null;
  }
}

/** The `seq` of a user's newest notification in the deposits stream, 0 when it holds none. */
export type LastNotified = (appId: number, authId: number) => Promise<number>;

export function lastNotified(jsm: JetStreamManager, names: Names, stream: string): LastNotified {
  return async (appId, authId) => {
    const msg = await jsm.direct.getMessage(stream, { last_by_subj: names.fanout.deposits(appId, authId) });
    if (!msg) return 0;
    const decoded = decode(DepositFanout, msg.data);
    return decoded.ok ? decoded.value.change.seq : 0;
  };
}

export function createKvLedgerStore(kv: KV, lastSeq: LastNotified = async () => 0): LedgerStore {
  const fresh = async (state: LedgerState) => {
    const seq = await lastSeq(state.app_id, state.auth_id);
    return seq > state.produced ? { ...state, produced: seq } : state;
  };
  return {
    async load(appId, authId) {
      const key = ledgerKey(appId, authId);
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) {
        return { state: await fresh(emptyState(appId, authId)), revision: entry ? entry.revision : null };
      }
      const decoded = decode(LedgerState, entry.value);
      const error = !decoded.ok
        ? decoded.error
        : decoded.value.app_id !== appId || decoded.value.auth_id !== authId
          ? `holds ${decoded.value.app_id}.${decoded.value.auth_id}`
          : null;
      if (decoded.ok && error === null) return { state: decoded.value, revision: entry.revision };
      return {
        state: await fresh(salvage(parseLoosely(entry.value), appId, authId)),
        revision: entry.revision,
        corrupt: { error: `ledger ${key} at revision ${entry.revision}: ${error}`, raw: entry.value },
      };
    },
    async save(state, revision) {
      const key = ledgerKey(state.app_id, state.auth_id);
      try {
        return revision === null ? await kv.create(key, encode(state)) : await kv.update(key, encode(state), revision);
      } catch (err) {
        if (isConflict(err)) throw new LedgerConflict(`ledger ${key} changed since revision ${revision ?? "none"}`, { cause: err });
        throw err;
      }
    },
  };
}
