/**
 * Per-user ledger state in a JetStream KV bucket, one key per (app_id, auth_id), written
 * with optimistic concurrency: `save` succeeds only if the key is still at the revision
 * that was read (or still absent), otherwise it throws `LedgerConflict` and the caller
 * reloads and retries.
 */
import type { KV } from "@nats-io/kv";
import { decode, encode } from "@socketpot/contracts";
import { emptyState, LedgerState } from "./ledger";

export class LedgerConflict extends Error {
  override readonly name = "LedgerConflict";
  readonly retryable = true;
}

export class LedgerCorrupt extends Error {
  override readonly name = "LedgerCorrupt";
  readonly retryable = false;
}

export type Loaded = { state: LedgerState; revision: number | null };

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

export function createKvLedgerStore(kv: KV): LedgerStore {
  return {
    async load(appId, authId) {
      const key = ledgerKey(appId, authId);
      const entry = await kv.get(key);
      if (entry === null || entry.operation !== "PUT" || entry.value.length === 0) {
        return { state: emptyState(appId, authId), revision: entry ? entry.revision : null };
      }
      const decoded = decode(LedgerState, entry.value);
      if (!decoded.ok) throw new LedgerCorrupt(`ledger ${key} at revision ${entry.revision}: ${decoded.error}`);
      if (decoded.value.app_id !== appId || decoded.value.auth_id !== authId) {
        throw new LedgerCorrupt(`ledger ${key} holds ${decoded.value.app_id}.${decoded.value.auth_id}`);
      }
      return { state: decoded.value, revision: entry.revision };
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
