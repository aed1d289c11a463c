import type { NatsConnection } from "@nats-io/transport-node";
import { StaffRecord, directoryKeys, type AppRecord, type Role } from "@socketpot/contracts";
import { DirectoryReader, type KeyRead } from "./directory";
import type { KV } from "@nats-io/kv";

const APPS = "apps.";
const STAFF = "staff.";

type Entry<T> = { value: T } | { pending: Promise<T> };

/**
 * The directory reader with app records and each app's staff kept in memory until a KV watch
 * on `apps.>` and `staff.>` says they changed (no TTL): a storm of auths reads each app once
 * and a user's role without a request, while a change to an app or its staff is seen as soon
 * as the watch delivers it (milliseconds). Tokens and users are always read.
 *
 * While the watches are not established (before `start`, after one ended, while NATS is
 * disconnected and until they are set up again after a reconnect) nothing is cached: every
 * read goes to the bucket. A read that was under way when something was invalidated is
 * answered but not kept (an epoch per key, and one for everything).
 */
export class DirectoryCache extends DirectoryReader {
  private readonly apps = new Map<number, Entry<AppRecord | undefined>>();
  private readonly staff = new Map<number, Entry<ReadonlySet<number>>>();
  private readonly epochs = new Map<string, number>();
  private epoch = 0;
  private live = false;
  private stopWatches: Array<() => void> = [];
  private stopped = false;

  constructor(
    kv: KV,
    read?: KeyRead,
    private readonly capacity = 10_000,
  ) {
    super(kv, read);
  }

  /** True while changes are followed and reads may be answered from memory. */
  get caching(): boolean {
    return this.live;
  }

  /**
   * Sets up the watches; with `nc`, drops the cache on a disconnect and sets the watches up
   * again after a reconnect. `onEnded` hears when a watch ended by itself (caching is then off).
   */
  async start(opts: { nc?: NatsConnection; onEnded?: (err?: unknown) => void; onError?: (err: unknown) => void } = {}): Promise<void> {
    await this.watch(opts);
    const nc = opts.nc;
    if (!nc) return;
    void (async () => {
      for await (const s of nc.status()) {
        if (this.stopped) return;
        if (s.type === "disconnect") this.down();
        else if (s.type === "reconnect") await this.watch(opts).catch((err: unknown) => opts.onError?.(err));
      }
    })().catch(() => undefined);
  }

  stop(): void {
    this.stopped = true;
    this.down();
  }

  override getApp(appId: number): Promise<AppRecord | undefined> {
    return this.cached(this.apps, appId, `${APPS}${appId}`, () => super.getApp(appId));
  }

  override async roleOf(app: AppRecord, authId: number): Promise<Role> {
    if (app.owner_auth_id === authId) return "OWNER";
    if (!this.live) return super.roleOf(app, authId);
    const staff = await this.cached(this.staff, app.id, `${STAFF}${app.id}`, () => this.loadStaff(app.id));
    return staff.has(authId) ? "MOD" : "MEMBER";
  }

  private async loadStaff(appId: number): Promise<ReadonlySet<number>> {
    const ids = new Set<number>();
    for await (const key of await this.kv.keys(`${STAFF}${appId}.>`)) {
      const authId = Number(key.slice(key.lastIndexOf(".") + 1));
      // Listed keys include deleted ones: only a record that reads back counts.
      if (Number.isSafeInteger(authId) && (await this.readStaff(appId, authId))) ids.add(authId);
    }
    return ids;
  }

  private async readStaff(appId: number, authId: number): Promise<boolean> {
    const value = await this.read(directoryKeys.staff(appId, authId));
    if (value === undefined) return false;
    try {
      return StaffRecord.safeParse(JSON.parse(new TextDecoder().decode(value))).success;
    } catch {
      return false;
    }
  }

  private async cached<T>(map: Map<number, Entry<T>>, id: number, epochKey: string, load: () => Promise<T>): Promise<T> {
    if (!this.live) return load();
    const hit = map.get(id);
    if (hit) return "value" in hit ? hit.value : hit.pending;
    const epoch = this.epoch;
    const keyEpoch = this.epochs.get(epochKey) ?? 0;
    const pending = load();
    const entry = { pending };
    this.put(map, id, entry);
    try {
      const value = await pending;
      const unchanged = this.live && this.epoch === epoch && (this.epochs.get(epochKey) ?? 0) === keyEpoch;
      if (map.get(id) === entry) {
        if (unchanged) this.put(map, id, { value });
        else map.delete(id);
      }
      return value;
    } catch (err) {
      if (map.get(id) === entry) map.delete(id);
      throw err;
    }
  }

  private put<T>(map: Map<number, Entry<T>>, id: number, entry: Entry<T>): void {
    map.delete(id);
    map.set(id, entry);
    if (map.size > this.capacity) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  /** A key under apps.> or staff.> changed: what is kept for its app goes. */
  private changed(prefix: string, rest: string): void {
    const appId = Number(rest.split(".")[0]);
    if (!Number.isSafeInteger(appId)) return;
    const key = `${prefix}${appId}`;
    this.epochs.set(key, (this.epochs.get(key) ?? 0) + 1);
    (prefix === APPS ? this.apps : this.staff).delete(appId);
  }

  private async watch(opts: { onEnded?: (err?: unknown) => void; onError?: (err: unknown) => void }): Promise<void> {
    this.down();
    const ended = (err?: unknown) => {
      if (this.stopped) return;
      this.down();
      opts.onEnded?.(err);
    };
    const watchOpts = { onError: opts.onError, onEnded: ended };
    const stops = await Promise.all([
      this.watchPrefix(APPS, (rest) => this.changed(APPS, rest), watchOpts),
      this.watchPrefix(STAFF, (rest) => this.changed(STAFF, rest), watchOpts),
    ]);
    if (this.stopped) {
      for (const s of stops) s();
      return;
    }
    this.stopWatches = stops;
    this.live = true;
  }

  private down(): void {
    this.live = false;
    this.epoch++;
    this.apps.clear();
    this.staff.clear();
    this.epochs.clear();
    const stops = this.stopWatches;
    this.stopWatches = [];
    for (const s of stops) s();
  }
}
