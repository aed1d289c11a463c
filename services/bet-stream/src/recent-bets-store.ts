/**
 * The last bets bet-stream sent for each app, newest last, for late joiners (`betsRecent`).
 *
 * Each app's bets are copied, as the bytes they were sent as, into one buffer of the app's
 * own (a ring of records, compacted in place when the end is reached). The bytes given to
 * `remember` are views into the window's buffer (window-bytes.ts), which is reused once the
 * window is published; a string or an object per bet would be one more long-lived heap
 * object per published bet, which at 10,000 busy apps is most of what the garbage
 * collector has to do.
 * Bets are decoded only when a late joiner asks (`list`).
 */
interface AppBets {
  bytes: Uint8Array;
  /** Ring of the remembered records (`count` from `head`): offset and length in `bytes`. */
  starts: Int32Array;
  lengths: Int32Array;
  head: number;
  count: number;
  /** Where the next record goes in `bytes`. */
  end: number;
  lastActive: number;
}

/** Initial bytes per remembered bet (a generated bet is about 300 bytes); an app's buffer grows when its bets are larger. */
const BYTES_PER_BET = 512;
/**
 * An app's buffer starts with room for at most this many bets (16 KiB) and grows as its
 * bets come: with a large BETS_RECENT, an app that sends a bet now and then must not cost
 * BETS_RECENT x 512 bytes.
 */
const INITIAL_BETS = 32;

export class RecentBetsStore {
  private readonly apps = new Map<number, AppBets>();
  private readonly decoder = new TextDecoder();

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError("limit must be an integer >= 0");
  }

  /** Number of apps with remembered bets. */
  get appCount(): number {
    return this.apps.size;
  }

  /** Remembers bets sent for an app, oldest first (only the last `limit` stay). */
  remember(appId: number, bets: readonly Uint8Array[], now: number): void {
    if (this.limit === 0 || bets.length === 0) return;
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = {
        bytes: new Uint8Array(Math.min(this.limit, INITIAL_BETS) * BYTES_PER_BET),
        starts: new Int32Array(this.limit),
        lengths: new Int32Array(this.limit),
        head: 0,
        count: 0,
        end: 0,
        lastActive: now,
      };
      this.apps.set(appId, app);
    }
    app.lastActive = now;
    for (let i = Math.max(0, bets.length - this.limit); i < bets.length; i++) this.append(app, bets[i]!);
  }

  /** The app's remembered bets (JSON texts), oldest first. */
  list(appId: number): string[] {
    const app = this.apps.get(appId);
    if (app === undefined) return [];
    const out: string[] = [];
    for (let k = 0; k < app.count; k++) {
      const r = (app.head + k) % this.limit;
      out.push(this.decoder.decode(app.bytes.subarray(app.starts[r]!, app.starts[r]! + app.lengths[r]!)));
    }
    return out;
  }

  /** Forgets apps, e.g. when this replica stops owning them. */
  dropApps(predicate: (appId: number) => boolean): number {
    let n = 0;
    for (const id of this.apps.keys()) {
      if (predicate(id)) {
        this.apps.delete(id);
        n++;
      }
    }
    return n;
  }

  /** Forgets apps that had no bet sent for `idleMs`. */
  evictIdle(now: number, idleMs: number): number {
    return this.dropApps((id) => now - this.apps.get(id)!.lastActive >= idleMs);
  }

  private append(app: AppBets, bet: Uint8Array): void {
    if (app.count === this.limit) {
      app.head = (app.head + 1) % this.limit;
      app.count--;
    }
    if (app.end + bet.length > app.bytes.length) this.compact(app, bet.length);
    const r = (app.head + app.count) % this.limit;
    app.bytes.set(bet, app.end);
    app.starts[r] = app.end;
    app.lengths[r] = bet.length;
    app.end += bet.length;
    app.count++;
  }

  /** Moves the remembered records to the start of the buffer (a larger one if `room` more bytes would not fit). */
  private compact(app: AppBets, room: number): void {
    let live = 0;
    for (let k = 0; k < app.count; k++) live += app.lengths[(app.head + k) % this.limit]!;
    const target = live + room > app.bytes.length ? new Uint8Array(Math.max(app.bytes.length * 2, live + room)) : app.bytes;
    // Records lie in ring order at increasing offsets, so moving each one down in turn never overwrites a later one.
    let at = 0;
    for (let k = 0; k < app.count; k++) {
      const r = (app.head + k) % this.limit;
      const start = app.starts[r]!;
      const length = app.lengths[r]!;
      if (target === app.bytes) target.copyWithin(at, start, start + length);
      else target.set(app.bytes.subarray(start, start + length), at);
      app.starts[r] = at;
      at += length;
    }
    app.bytes = target;
    app.end = at;
  }
}
