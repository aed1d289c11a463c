/**
 * Per-app windowed sampler: the pure core of bet-stream. No timers, no I/O; the caller
 * passes the clock (`now`, milliseconds) to `offer` and `flush`.
 *
 * Bets offered for an app collect in the app's current window. Every `windowMs` the caller
 * calls `flush(now)`; for each app with bets it decides which to emit:
 *
 * - budget: at most `ratePerSecond` bets per app in any 1 s interval (a log of recent
 *   emissions), and when a window has more bets than the budget allows, at most
 *   `ceil(ratePerSecond * windowMs / 1000)` of them per window, so a busy app's stream is
 *   spread over the second instead of arriving as one burst;
 * - if every bet of the window fits the 1 s budget, all pass, in arrival order;
 * - otherwise the highest-scoring bets pass (ties: the earlier bet), in arrival order;
 * - jackpots always pass. They count against the budget (they use it up first), but are
 *   never dropped or delayed: in any 1 s interval an app emits at most
 *   `ratePerSecond` bets, plus the jackpots beyond that.
 *
 * Bets not chosen are dropped at the end of their window, so no bet is delayed by more
 * than one window. Each app also remembers its last `recentLimit` emitted bets for late
 * joiners.
 */

export const RATE_INTERVAL_MS = 1000;

export interface SamplerConfig {
  /** Bets per app per second sent to clients (jackpots aside). */
  ratePerSecond: number;
  /** Window length; the caller flushes every `windowMs`. */
  windowMs: number;
  /** How many emitted bets each app remembers for late joiners. */
  recentLimit: number;
}

export interface Emission<T> {
  appId: number;
  items: T[];
}

interface Entry<T> {
  item: T;
  score: number;
  seq: number;
}

interface AppState<T> {
  appId: number;
  /** Min-heap (see `less`) of the window's best non-jackpot entries, at most `ratePerSecond`. */
  heap: Entry<T>[];
  jackpots: Entry<T>[];
  /** Bets offered in the current window (jackpots included). */
  seen: number;
  /** Emissions within the last RATE_INTERVAL_MS: [time, count] pairs, oldest first. */
  logTimes: number[];
  logCounts: number[];
  logTotal: number;
  recent: T[];
  lastActive: number;
  dirty: boolean;
}

export interface SamplerStats {
  offered: number;
  emitted: number;
  dropped: number;
  jackpots: number;
}

export class WindowSampler<T> {
  readonly config: Readonly<SamplerConfig>;
  readonly perWindow: number;
  private readonly apps = new Map<number, AppState<T>>();
  private dirty: AppState<T>[] = [];
  private seq = 0;
  readonly stats: SamplerStats = { offered: 0, emitted: 0, dropped: 0, jackpots: 0 };

  constructor(config: SamplerConfig) {
    if (!Number.isInteger(config.ratePerSecond) || config.ratePerSecond < 1) throw new RangeError("ratePerSecond must be an integer >= 1");
    if (!(config.windowMs > 0 && config.windowMs <= RATE_INTERVAL_MS)) throw new RangeError("windowMs must be in (0, 1000]");
    if (!Number.isInteger(config.recentLimit) || config.recentLimit < 0) throw new RangeError("recentLimit must be an integer >= 0");
    this.config = Object.freeze({ ...config });
    this.perWindow = Math.max(1, Math.ceil((config.ratePerSecond * config.windowMs) / RATE_INTERVAL_MS));
  }

  /** Number of apps with state (pending window, rate log or recent bets). */
  get appCount(): number {
    return this.apps.size;
  }

  offer(appId: number, item: T, score: number, jackpot: boolean, now: number): void {
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = { appId, heap: [], jackpots: [], seen: 0, logTimes: [], logCounts: [], logTotal: 0, recent: [], lastActive: now, dirty: false };
      this.apps.set(appId, app);
    }
    app.lastActive = now;
    app.seen++;
    this.stats.offered++;
    if (!app.dirty) {
      app.dirty = true;
      this.dirty.push(app);
    }
    const entry: Entry<T> = { item, score, seq: this.seq++ };
    if (jackpot) {
      app.jackpots.push(entry);
      return;
    }
    const heap = app.heap;
    if (heap.length < this.config.ratePerSecond) {
      heap.push(entry);
      siftUp(heap, heap.length - 1);
    } else if (score > heap[0]!.score) {
      // At an equal score the new (later) bet is the less interesting: it loses.
      heap[0] = entry;
      siftDown(heap, 0);
    }
  }

  /** Close every open window; returns what to emit, per app, in arrival order. */
  flush(now: number): Emission<T>[] {
    const out: Emission<T>[] = [];
    const dirty = this.dirty;
    this.dirty = [];
    for (const app of dirty) {
      app.dirty = false;
      const items = this.closeWindow(app, now);
      if (items.length > 0) out.push({ appId: app.appId, items });
    }
    return out;
  }

  /** The app's last emitted bets, oldest first. */
  recent(appId: number): T[] {
    const app = this.apps.get(appId);
    return app === undefined ? [] : app.recent.slice();
  }

  /** Forget apps (pending windows included), e.g. when this replica stops owning them. */
  dropApps(predicate: (appId: number) => boolean): number {
    let n = 0;
    for (const [id, app] of this.apps) {
      if (!predicate(id)) continue;
      this.apps.delete(id);
      if (app.dirty) this.dirty = this.dirty.filter((a) => a !== app);
      n++;
    }
    return n;
  }

  /** Forget apps without bets for `idleMs` (their recent bets included). */
  evictIdle(now: number, idleMs: number): number {
    let n = 0;
    for (const [id, app] of this.apps) {
      if (!app.dirty && now - app.lastActive >= idleMs) {
        this.apps.delete(id);
        n++;
      }
    }
    return n;
  }

  private closeWindow(app: AppState<T>, now: number): T[] {
    const { ratePerSecond } = this.config;
    // Expire emissions older than the rate interval.
    while (app.logTimes.length > 0 && now - app.logTimes[0]! >= RATE_INTERVAL_MS) {
      app.logTimes.shift();
      app.logTotal -= app.logCounts.shift()!;
    }
    const available = Math.max(0, ratePerSecond - app.logTotal);
    const seen = app.seen;
    const jackpots = app.jackpots;
    const heap = app.heap;
    let chosen: Entry<T>[];
    if (seen <= available) {
      // Everything fits: the heap holds every non-jackpot bet of the window.
      chosen = jackpots.length === 0 ? heap : heap.concat(jackpots);
    } else {
      const slots = Math.max(0, Math.min(available, this.perWindow) - jackpots.length);
      chosen = jackpots.slice();
      if (slots > 0) {
        // Best `slots` of the heap: sort descending by score, ties to the earlier bet.
        const best = heap.slice().sort((a, b) => b.score - a.score || a.seq - b.seq);
        for (let i = 0; i < slots && i < best.length; i++) chosen.push(best[i]!);
      }
    }
    chosen.sort((a, b) => a.seq - b.seq);
    this.stats.jackpots += jackpots.length;
    this.stats.emitted += chosen.length;
    this.stats.dropped += seen - chosen.length;
    app.heap = [];
    app.jackpots = [];
    app.seen = 0;
    const items = chosen.map((e) => e.item);
    if (items.length > 0) {
      app.logTimes.push(now);
      app.logCounts.push(items.length);
      app.logTotal += items.length;
      const limit = this.config.recentLimit;
      if (limit > 0) {
        const recent = app.recent;
        for (const it of items.length > limit ? items.slice(items.length - limit) : items) recent.push(it);
        if (recent.length > limit) recent.splice(0, recent.length - limit);
      }
    }
    return items;
  }
}

/** Heap order: lower score first; at equal scores the later bet is the less interesting. */
function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.score < b.score || (a.score === b.score && a.seq > b.seq);
}

function siftUp<T>(heap: Entry<T>[], i: number): void {
  const e = heap[i]!;
  while (i > 0) {
    const p = (i - 1) >> 1;
    const parent = heap[p]!;
    if (!less(e, parent)) break;
    heap[i] = parent;
    i = p;
  }
  heap[i] = e;
}

function siftDown<T>(heap: Entry<T>[], i: number): void {
  const n = heap.length;
  const e = heap[i]!;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
    if (!less(heap[c]!, e)) break;
    heap[i] = heap[c]!;
    i = c;
  }
  heap[i] = e;
}
