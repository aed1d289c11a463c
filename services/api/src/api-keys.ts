/**
 * Which app an API key acts for, on every request. Records are cached per replica; the
 * directory watch drops a key's entry the moment it is created, replaced or deleted, so a
 * revoked key stops working as soon as the deletion reaches this replica (milliseconds). A
 * lookup that raced a change is not cached, and while the watch is down nothing is.
 */
import { apiKeyHash, type ApiKeyRecord } from "@socketpot/contracts";
import type { DirectoryReader } from "@socketpot/service-kit";

/** `spk_` and 43 base64url characters (32 random bytes): anything else is unknown without a lookup. */
export const API_KEY_PATTERN = /^spk_[A-Za-z0-9_-]{43}$/;

export class ApiKeys {
  private readonly cache = new Map<string, ApiKeyRecord>();
  /** Bumped by every change the watch reports: a lookup that overlapped one is not cached. */
  private changes = 0;
  private watching = false;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly directory: Pick<DirectoryReader, "getApiKeyByHash" | "watchApiKeys">) {}

  /** Starts the watch; `onEnded` hears when it fails (the replica is then not ready). */
  async start(onEnded: (err?: unknown) => void): Promise<void> {
    this.stopWatch = await this.directory.watchApiKeys((hash) => this.changed(hash), {
      onEnded: (err) => {
        this.watching = false;
        this.cache.clear();
        onEnded(err);
      },
    });
    this.watching = true;
  }

  stop(): void {
    this.watching = false;
    this.stopWatch?.();
    this.cache.clear();
  }

  /** True while revocations reach this replica. */
  get live(): boolean {
    return this.watching;
  }

  /** The key's record; undefined for an unknown or revoked key. Throws when the directory cannot be read. */
  async resolve(key: string): Promise<ApiKeyRecord | undefined> {
    if (!API_KEY_PATTERN.test(key)) return undefined;
    const hash = apiKeyHash(key);
    const hit = this.cache.get(hash);
    if (hit) return hit;
    const before = this.changes;
    const record = await this.directory.getApiKeyByHash(hash);
    if (record && this.watching && before === this.changes) this.cache.set(hash, record);
    return record;
  }

  private changed(hash: string): void {
    this.changes++;
    this.cache.delete(hash);
  }
}
