/**
 * Read and write the directory KV bucket (see contracts `upstream/directory.ts`).
 * Moneypot writes it in production; the CLI and tests write it with DirectoryWriter.
 */
import { randomUUID } from "node:crypto";
import { Kvm, type KV, KvWatchInclude } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import type { z } from "zod";
import {
  AppRecord,
  StaffRecord,
  TokenRecord,
  UnameRecord,
  UserRecord,
  directoryKeys,
  tokenHash,
  type Names,
  type Role,
  type UserObject,
} from "@socketpot/contracts";

export async function openDirectoryBucket(nc: NatsConnection, names: Names): Promise<KV> {
  // `create` opens the bucket when it exists already; history 1 is all a directory needs.
  return new Kvm(nc).create(names.directoryBucket, { history: 1 });
}

async function getJson<S extends z.ZodType>(kv: KV, key: string, schema: S): Promise<z.output<S> | undefined> {
  const entry = await kv.get(key);
  if (!entry || entry.operation !== "PUT" || entry.length === 0) return undefined;
  let raw: unknown;
  try {
    raw = entry.json();
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
  constructor(readonly kv: KV) {}

  getApp(appId: number): Promise<AppRecord | undefined> {
    return getJson(this.kv, directoryKeys.app(appId), AppRecord);
  }

  getUser(authId: number): Promise<UserRecord | undefined> {
    return getJson(this.kv, directoryKeys.user(authId), UserRecord);
  }

  async findUserByUname(uname: string): Promise<UserRecord | undefined> {
    const ref = await getJson(this.kv, directoryKeys.uname(uname), UnameRecord);
    return ref ? this.getUser(ref.auth_id) : undefined;
  }

  /** OWNER for the app's owner, MOD for its staff, else MEMBER. */
  async roleOf(app: AppRecord, authId: number): Promise<Role> {
    if (app.owner_auth_id === authId) return "OWNER";
    const staff = await getJson(this.kv, directoryKeys.staff(app.id, authId), StaffRecord);
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
  async resolveToken(app: AppRecord, token: string, now = Date.now()): Promise<ResolvedUser | undefined> {
    const hash = tokenHash(token);
    const record = await getJson(this.kv, directoryKeys.token(hash), TokenRecord);
    if (!record || record.app_id !== app.id) return undefined;
    const expiresAt = record.expires_at === null ? null : Date.parse(record.expires_at);
    if (expiresAt !== null && expiresAt <= now) return undefined;
    const user = await this.userObject(app, record.auth_id);
    return user ? { user, tokenHash: hash, expiresAt } : undefined;
  }

  /**
   * Calls `onRevoked(hash)` for every token deleted from now on. Resolves once the watch
   * is established; returns a function that stops it.
   */
  async watchRevocations(onRevoked: (hash: string) => void): Promise<() => void> {
    const iter = await this.kv.watch({ key: `${directoryKeys.tokensPrefix}>`, include: KvWatchInclude.UpdatesOnly });
    void (async () => {
      for await (const e of iter) {
        if (e.operation === "DEL" || e.operation === "PURGE") onRevoked(e.key.slice(directoryKeys.tokensPrefix.length));
      }
    })();
    return () => iter.stop();
  }
}

export class DirectoryConflictError extends Error {
  override name = "DirectoryConflictError";
}

export class DirectoryWriter extends DirectoryReader {
  private async nextId(kind: "apps" | "users"): Promise<number> {
    const key = `seq.${kind}`;
    for (;;) {
      const entry = await this.kv.get(key);
      const current = entry && entry.operation === "PUT" ? Number(entry.string()) : 0;
      const next = current + 1;
      try {
        if (entry) await this.kv.update(key, String(next), entry.revision);
        else await this.kv.create(key, String(next));
        return next;
      } catch {
        // another writer took this id; try the next one
      }
    }
  }

  async createApp(input: { id?: number; name: string; owner_auth_id: number }): Promise<AppRecord> {
    const record = AppRecord.parse({ ...input, id: input.id ?? (await this.nextId("apps")) });
    await this.kv.put(directoryKeys.app(record.id), JSON.stringify(record));
    return record;
  }

  /** Creates a user; unames are unique case-insensitively. Idempotent for the same user. */
  async createUser(input: { auth_id?: number; uname: string }): Promise<UserRecord> {
    const existing = await this.findUserByUname(input.uname);
    if (existing) {
      if (input.auth_id === undefined || existing.auth_id === input.auth_id) return existing;
      throw new DirectoryConflictError(`uname ${input.uname} is taken by auth_id ${existing.auth_id}`);
    }
    const record = UserRecord.parse({ ...input, auth_id: input.auth_id ?? (await this.nextId("users")) });
    try {
      await this.kv.create(directoryKeys.uname(record.uname), JSON.stringify({ auth_id: record.auth_id }));
    } catch {
      throw new DirectoryConflictError(`uname ${record.uname} is taken`);
    }
    await this.kv.put(directoryKeys.user(record.auth_id), JSON.stringify(record));
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
    const token = randomUUID();
    await this.storeToken(token, input);
    return token;
  }

  /** Stores a known token (demo seeding uses stable tokens). */
  async storeToken(token: string, input: { app_id: number; auth_id: number; ttl_seconds?: number }): Promise<void> {
    const record = TokenRecord.parse({
      app_id: input.app_id,
      auth_id: input.auth_id,
      expires_at: input.ttl_seconds === undefined ? null : new Date(Date.now() + input.ttl_seconds * 1000).toISOString(),
    });
    await this.kv.put(directoryKeys.token(tokenHash(token)), JSON.stringify(record));
  }

  async revokeToken(token: string): Promise<void> {
    await this.kv.delete(directoryKeys.token(tokenHash(token)));
  }
}
