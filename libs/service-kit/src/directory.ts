/**
 * Read and write the directory KV bucket (see contracts `upstream/directory.ts`).
 * Moneypot writes it in production; the CLI and tests write it with DirectoryWriter.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Kvm, type KV, KvWatchInclude } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { ensureReplicas, kvStream } from "./replicas";
import type { DirectGets } from "./direct-get";
import type { z } from "zod";
import {
  ApiKeyRecord,
  AppRecord,
  StaffRecord,
  TokenRecord,
  UnameRecord,
  UserRecord,
  apiKeyHash,
  directoryKeys,
  tokenHash,
  type Names,
  type Role,
  type UserObject,
} from "@socketpot/contracts";

/** Opens the directory bucket, creating it when missing, with at least `replicas` replicas. */
export async function openDirectoryBucket(nc: NatsConnection, names: Names, replicas = 1): Promise<KV> {
  // `create` opens the bucket when it exists already; history 1 is all a directory needs.
  const kv = await new Kvm(nc).create(names.directoryBucket, { history: 1, replicas });
  if (replicas > 1) await ensureReplicas(await jetstreamManager(nc), kvStream(names.directoryBucket), replicas);
  return kv;
}

/**
 * How the reader gets one key's current value: undefined when the key is missing, deleted
 * or empty. The default is `kv.get`; the gateway's auth path uses direct gets (directKeys).
 */
export type KeyRead = (key: string) => Promise<Uint8Array | undefined>;

export function kvKeyRead(kv: KV): KeyRead {
  return async (key) => {
    const entry = await kv.get(key);
    return !entry || entry.operation !== "PUT" || entry.length === 0 ? undefined : entry.value;
  };
}

/**
 * KeyRead over direct gets (one subscription, no Error per request: see DirectGets). The
 * bucket must allow direct gets (`kv.status()`'s stream config `allow_direct`).
 */
export function directKeyRead(gets: DirectGets, bucket: string): KeyRead {
  const stream = `KV_${bucket}`;
  return async (key) => {
    const reply = await gets.last(stream, `$KV.${bucket}.${key}`);
    if (!reply.found) {
      if (reply.reason === "no-stream") throw new Error(`directory bucket ${bucket} is not reachable`);
      return undefined;
    }
    // A delete or purge marker (KV-Operation DEL/PURGE) has no payload, like an empty value.
    return reply.data.length === 0 ? undefined : reply.data;
  };
}

const decoder = new TextDecoder();

async function getJson<S extends z.ZodType>(read: KeyRead, key: string, schema: S): Promise<z.output<S> | undefined> {
  const value = await read(key);
  if (value === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(value));
  } catch {
    throw new Error(`directory entry ${key} is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`directory entry ${key} is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export interface ResolvedUser {
  user: UserObject;
  tokenHash: string;
  /** Epoch ms, or null when the token does not expire. */
  expiresAt: number | null;
}

export class DirectoryReader {
  protected readonly read: KeyRead;

  constructor(
    readonly kv: KV,
    read?: KeyRead,
  ) {
    this.read = read ?? kvKeyRead(kv);
  }

  getApp(appId: number): Promise<AppRecord | undefined> {
    return getJson(this.read, directoryKeys.app(appId), AppRecord);
  }

  getUser(authId: number): Promise<UserRecord | undefined> {
    return getJson(this.read, directoryKeys.user(authId), UserRecord);
  }

  async findUserByUname(uname: string): Promise<UserRecord | undefined> {
    const ref = await getJson(this.read, directoryKeys.uname(uname), UnameRecord);
    return ref ? this.getUser(ref.auth_id) : undefined;
  }

  /** OWNER for the app's owner, MOD for its staff, else MEMBER. */
  async roleOf(app: AppRecord, authId: number): Promise<Role> {
    if (app.owner_auth_id === authId) return "OWNER";
    const staff = await getJson(this.read, directoryKeys.staff(app.id, authId), StaffRecord);
    return staff ? "MOD" : "MEMBER";
  }

  async userObject(app: AppRecord, authId: number): Promise<UserObject | undefined> {
    const [user, role] = await Promise.all([this.getUser(authId), this.roleOf(app, authId)]);
    return user ? { uname: user.uname, auth_id: user.auth_id, role } : undefined;
  }

  /**
   * The user an access token stands for in this app, or undefined when the token is
   * unknown, revoked, expired, or issued for another app.
   */
  resolveToken(app: AppRecord, token: string, now = Date.now()): Promise<ResolvedUser | undefined> {
    return this.resolveTokenHash(app, tokenHash(token), now);
  }

  /** resolveToken for a token known by its hash (`tokenHash`), when the caller has it already. */
  async resolveTokenHash(app: AppRecord, hash: string, now = Date.now()): Promise<ResolvedUser | undefined> {
    const record = await getJson(this.read, directoryKeys.token(hash), TokenRecord);
    if (!record || record.app_id !== app.id) return undefined;
    const expiresAt = record.expires_at === null ? null : Date.parse(record.expires_at);
    if (expiresAt !== null && expiresAt <= now) return undefined;
    const user = await this.userObject(app, record.auth_id);
    return user ? { user, tokenHash: hash, expiresAt } : undefined;
  }

  private async list<S extends z.ZodType>(prefix: string, schema: S): Promise<Array<{ key: string; value: z.output<S> }>> {
    const keys: string[] = [];
    for await (const key of await this.kv.keys(`${prefix}>`)) keys.push(key);
    const out: Array<{ key: string; value: z.output<S> }> = [];
    for (const key of keys) {
      const value = await getJson(this.read, key, schema);
      if (value !== undefined) out.push({ key, value });
    }
    return out;
  }

  async listApps(): Promise<AppRecord[]> {
    return (await this.list("apps.", AppRecord)).map((e) => e.value).sort((a, b) => a.id - b.id);
  }

  async listUsers(): Promise<UserRecord[]> {
    return (await this.list("users.", UserRecord)).map((e) => e.value).sort((a, b) => a.auth_id - b.auth_id);
  }

  /** The auth_ids of the app's mods. */
  async modsOf(appId: number): Promise<number[]> {
    return (await this.list(`staff.${appId}.`, StaffRecord)).map((e) => e.value.auth_id).sort((a, b) => a - b);
  }

  /** Every live token's record with its hash (the raw token is never stored). */
  async listTokens(): Promise<Array<TokenRecord & { hash: string }>> {
    const entries = await this.list(directoryKeys.tokensPrefix, TokenRecord);
    return entries.map((e) => ({ hash: e.key.slice(directoryKeys.tokensPrefix.length), ...e.value }));
  }

  /** The record of an API key's hash; undefined when there is no such key (or it was revoked). */
  getApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return getJson(this.read, directoryKeys.apiKey(hash), ApiKeyRecord);
  }

  /** Every live API key's record with its hash (the raw key is never stored), oldest first. */
  async listApiKeys(): Promise<Array<ApiKeyRecord & { hash: string }>> {
    const entries = await this.list(directoryKeys.apiKeysPrefix, ApiKeyRecord);
    return entries
      .map((e) => ({ hash: e.key.slice(directoryKeys.apiKeysPrefix.length), ...e.value }))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /**
   * Calls `onRevoked(hash)` for every token deleted from now on. Resolves once the watch
   * is established; returns a function that stops it. An error thrown by `onRevoked` goes to
   * `opts.onError` and the watch goes on; `opts.onEnded` hears when the watch ends without
   * being stopped (its consumer failed), after which revocations are no longer seen.
   */
  watchRevocations(onRevoked: (hash: string) => void, opts: WatchOptions = {}): Promise<() => void> {
    return this.watchPrefix(directoryKeys.tokensPrefix, (hash, deleted) => deleted && onRevoked(hash), opts);
  }

  /** Like watchRevocations, for API keys: `onChanged(hash)` for every key created, replaced or deleted from now on. */
  watchApiKeys(onChanged: (hash: string) => void, opts: WatchOptions = {}): Promise<() => void> {
    return this.watchPrefix(directoryKeys.apiKeysPrefix, (hash) => onChanged(hash), opts);
  }

  protected async watchPrefix(prefix: string, onChange: (suffix: string, deleted: boolean) => void, opts: WatchOptions): Promise<() => void> {
    const iter = await this.kv.watch({ key: `${prefix}>`, include: KvWatchInclude.UpdatesOnly });
    let stopped = false;
    void (async () => {
      for await (const e of iter) {
        try {
          onChange(e.key.slice(prefix.length), e.operation === "DEL" || e.operation === "PURGE");
        } catch (err) {
          opts.onError?.(err);
        }
      }
    })().then(
      () => {
        if (!stopped) opts.onEnded?.();
      },
      (err: unknown) => {
        if (!stopped) opts.onEnded?.(err);
      },
    );
    return () => {
      stopped = true;
      iter.stop();
    };
  }
}

export interface WatchOptions {
  onError?: (err: unknown) => void;
  onEnded?: (err?: unknown) => void;
}

/** A create found the key taken: the directory never overwrites on create. */
export class DirectoryConflictError extends Error {
  override name = "DirectoryConflictError";
}

/**
 * Writes the directory as Moneypot does (CLI, demo seeding, tests). Every create is a KV
 * `create` (refused when the key exists), never a `put`; new ids come from the counters
 * `seq.apps` / `seq.users`, which a create with an explicit id raises to at least that id.
 */
export class DirectoryWriter extends DirectoryReader {
  private async counter(kind: "apps" | "users"): Promise<{ value: number; revision: number | undefined }> {
    const entry = await this.kv.get(`seq.${kind}`);
    const live = entry && entry.operation === "PUT" ? entry : undefined;
    return { value: live ? Number(live.string()) || 0 : 0, revision: entry?.revision };
  }

  /** Compare-and-set the counter from `from` to `to`; false when another writer moved it first. */
  private async moveCounter(kind: "apps" | "users", from: { revision: number | undefined }, to: number): Promise<boolean> {
    try {
      if (from.revision === undefined) await this.kv.create(`seq.${kind}`, String(to));
      else await this.kv.update(`seq.${kind}`, String(to), from.revision);
      return true;
    } catch {
      return false;
    }
  }

  private async nextId(kind: "apps" | "users"): Promise<number> {
    for (;;) {
      const current = await this.counter(kind);
      if (await this.moveCounter(kind, current, current.value + 1)) return current.value + 1;
    }
  }

  /** Raises the counter to `id` unless it is there already, so that later new ids skip it. */
  private async reserveId(kind: "apps" | "users", id: number): Promise<void> {
    for (;;) {
      const current = await this.counter(kind);
      if (current.value >= id || (await this.moveCounter(kind, current, id))) return;
    }
  }

  /** KV create; a taken key becomes a DirectoryConflictError with `message`. */
  private async createKey(key: string, value: string, message: string): Promise<void> {
    try {
      await this.kv.create(key, value);
    } catch (err) {
      const entry = await this.kv.get(key);
      if (entry && entry.operation === "PUT") throw new DirectoryConflictError(message);
      throw err;
    }
  }

  /** Creates an app; refuses an id that exists. Without an id, takes the next free one. */
  async createApp(input: { id?: number; name: string; owner_auth_id: number; allowed_origins?: string[] }): Promise<AppRecord> {
    if (input.id !== undefined) {
      const record = AppRecord.parse(input);
      await this.createKey(directoryKeys.app(record.id), JSON.stringify(record), `app ${record.id} exists`);
      await this.reserveId("apps", record.id);
      return record;
    }
    for (;;) {
      const record = AppRecord.parse({ ...input, id: await this.nextId("apps") });
      try {
        await this.createKey(directoryKeys.app(record.id), JSON.stringify(record), `app ${record.id} exists`);
        return record;
      } catch (err) {
        // An id created explicitly before the counter knew about it: take the next one.
        if (!(err instanceof DirectoryConflictError)) throw err;
      }
    }
  }

  /** The app with this id, created when missing; a different app under the id is a conflict. */
  async ensureApp(input: { id: number; name: string; owner_auth_id: number }): Promise<AppRecord> {
    const existing = await this.getApp(input.id);
    if (!existing) {
      try {
        return await this.createApp(input);
      } catch (err) {
        if (!(err instanceof DirectoryConflictError)) throw err;
        return this.ensureApp(input);
      }
    }
    if (existing.name !== input.name || existing.owner_auth_id !== input.owner_auth_id) {
      throw new DirectoryConflictError(`app ${input.id} exists as "${existing.name}" (owner auth_id ${existing.owner_auth_id})`);
    }
    await this.reserveId("apps", input.id);
    return existing;
  }

  /**
   * Creates a user; refuses a uname that is taken (case-insensitively) and an auth_id that
   * exists. Without an auth_id, takes the next free one.
   */
  async createUser(input: { auth_id?: number; uname: string }): Promise<UserRecord> {
    const uname = UserRecord.shape.uname.parse(input.uname);
    const taken = await this.findUserByUname(uname);
    if (taken) throw new DirectoryConflictError(`uname ${uname} is taken by auth_id ${taken.auth_id}`);
    for (;;) {
      const explicit = input.auth_id !== undefined;
      const record = UserRecord.parse({ uname, auth_id: input.auth_id ?? (await this.nextId("users")) });
      // The user record first: an auth_id is never shared, even for a moment.
      try {
        await this.createKey(directoryKeys.user(record.auth_id), JSON.stringify(record), `auth_id ${record.auth_id} exists`);
      } catch (err) {
        if (explicit || !(err instanceof DirectoryConflictError)) throw err;
        continue;
      }
      try {
        await this.createKey(directoryKeys.uname(uname), JSON.stringify({ auth_id: record.auth_id }), `uname ${uname} is taken`);
      } catch (err) {
        await this.kv.delete(directoryKeys.user(record.auth_id)).catch(() => undefined);
        throw err;
      }
      if (explicit) await this.reserveId("users", record.auth_id);
      return record;
    }
  }

  /** The user with this uname, created when missing (demo seeding). */
  async ensureUser(uname: string): Promise<UserRecord> {
    const existing = await this.findUserByUname(uname);
    if (existing) return existing;
    try {
      return await this.createUser({ uname });
    } catch (err) {
      if (!(err instanceof DirectoryConflictError)) throw err;
      const winner = await this.findUserByUname(uname);
      if (winner) return winner;
      throw err;
    }
  }

  /** Sets the pages an app's sockets may authenticate from; an empty list lifts the restriction. */
  async setAllowedOrigins(app: AppRecord, origins: string[]): Promise<AppRecord> {
    const { allowed_origins: _previous, ...rest } = app;
    const record = AppRecord.parse(origins.length > 0 ? { ...rest, allowed_origins: origins } : rest);
    await this.kv.put(directoryKeys.app(app.id), JSON.stringify(record));
    return record;
  }

  async addMod(appId: number, authId: number): Promise<void> {
    const record = StaffRecord.parse({ app_id: appId, auth_id: authId, role: "MOD" });
    await this.kv.put(directoryKeys.staff(appId, authId), JSON.stringify(record));
  }

  async removeMod(appId: number, authId: number): Promise<void> {
    await this.kv.delete(directoryKeys.staff(appId, authId));
  }

  /** Issues a new random token; the raw token is returned once and only its hash stored. */
  async issueToken(input: { app_id: number; auth_id: number; ttl_seconds?: number }): Promise<string> {
    return (await this.issueTokenRecord(input)).token;
  }

  /** Like issueToken, with the record stored for it. */
  async issueTokenRecord(input: { app_id: number; auth_id: number; ttl_seconds?: number }): Promise<{ token: string; record: TokenRecord }> {
    const token = randomUUID();
    return { token, record: await this.storeToken(token, input) };
  }

  /**
   * Stores a known token (demo seeding uses stable tokens). Storing the same token for the
   * same app and user again is a no-op; for anyone else it is a conflict.
   */
  async storeToken(token: string, input: { app_id: number; auth_id: number; ttl_seconds?: number }): Promise<TokenRecord> {
    const record = TokenRecord.parse({
      app_id: input.app_id,
      auth_id: input.auth_id,
      expires_at: input.ttl_seconds === undefined ? null : new Date(Date.now() + input.ttl_seconds * 1000).toISOString(),
    });
    const key = directoryKeys.token(tokenHash(token));
    try {
      await this.createKey(key, JSON.stringify(record), "the token exists");
    } catch (err) {
      if (!(err instanceof DirectoryConflictError)) throw err;
      const existing = await getJson(this.read, key, TokenRecord);
      if (existing?.app_id !== record.app_id || existing.auth_id !== record.auth_id || existing.expires_at !== null || record.expires_at !== null) throw err;
    }
    return record;
  }

  /** Deletes the token; false when there was no such token. */
  async revokeToken(token: string): Promise<boolean> {
    const key = directoryKeys.token(tokenHash(token));
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== "PUT") return false;
    await this.kv.delete(key);
    return true;
  }

  /**
   * Creates an API key for the app: the key is returned once and only its SHA-256 stored.
   * `acting_name`: who the key's mutes are announced as (default: the app owner's uname).
   */
  async createApiKey(input: { app_id: number; acting_name?: string }): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = `spk_${randomBytes(32).toString("base64url")}`;
    const record = ApiKeyRecord.parse({
      id: `key_${randomBytes(8).toString("hex")}`,
      app_id: input.app_id,
      created_at: new Date().toISOString(),
      ...(input.acting_name === undefined ? {} : { acting_name: input.acting_name }),
    });
    await this.createKey(directoryKeys.apiKey(apiKeyHash(key)), JSON.stringify(record), "the API key exists");
    return { key, record };
  }

  /**
   * Stores a known key (demo seeding uses a stable dev key). Storing it again for the same
   * app is a no-op; for another app it is a conflict.
   */
  async storeApiKey(key: string, input: { app_id: number; id: string; acting_name?: string }): Promise<ApiKeyRecord> {
    const hash = apiKeyHash(key);
    const existing = await this.getApiKeyByHash(hash);
    if (existing) {
      if (existing.app_id !== input.app_id) throw new DirectoryConflictError("the API key exists for another app");
      return existing;
    }
    const record = ApiKeyRecord.parse({ ...input, created_at: new Date().toISOString() });
    await this.createKey(directoryKeys.apiKey(hash), JSON.stringify(record), "the API key exists");
    return record;
  }

  /** Deletes the API key with this id; its record, or undefined when there is no such key. */
  async revokeApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const found = (await this.listApiKeys()).find((k) => k.id === id);
    if (!found) return undefined;
    await this.kv.delete(directoryKeys.apiKey(found.hash));
    const { hash: _hash, ...record } = found;
    return record;
  }
}
