/**
 * Per-user ledger state in a JetStream KV bucket, one key per (app_id, auth_id), written
 * with optimistic concurrency: `save` succeeds only if the key is still at the revision
 * that was read (or still absent), otherwise it throws `LedgerConflict` and the caller
 * reloads and retries.
 */
import type { KV } from "@nats-io/kv";
import { decode, encode } from "@socketpot/contracts";
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

export function ledgerKey(appId: number, authId: number): string {
  return `${appId}.${authId}`;
}

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

export function createKvLedgerStore(kv: KV): LedgerStore {
  return {
    async load(appId, authId) {
      const key = ledgerKey(appId, authId);
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) {
        return { state: emptyState(appId, authId), revision: entry ? entry.revision : null };
      }
      const decoded = decode(LedgerState, entry.value);
      const error = !decoded.ok
        ? decoded.error
        : decoded.value.app_id !== appId || decoded.value.auth_id !== authId
          ? `holds ${decoded.value.app_id}.${decoded.value.auth_id}`
          : null;
      if (decoded.ok && error === null) return { state: decoded.value, revision: entry.revision };
      return {
        state: salvage(parseLoosely(entry.value), appId, authId),
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
