/**
 * Per-app windowed sampler: the pure core of bet-stream. No timers, no I/O; the caller
 * passes the clock (`now`, milliseconds) to `offer` and `flush`.
 *
 * Bets offered for an app collect in the app's current window. Every `windowMs` the caller
 * calls `flush(now)`; for each app with bets it decides which to emit:
 *
 * - budget: at most `ratePerSecond` bets per app in any 1 s interval (a log of recent
 *   emissions), and when a window has more bets than the budget allows, at most
 *   `ceil(ratePerSecond * windowMs / 1000)` of them per window (more when a flush comes
 *   late and the window was longer), so a busy app's stream is spread over the second
 *   instead of arriving as one burst;
 * - if every bet of the window fits the 1 s budget, all pass, in arrival order;
 * - otherwise the highest-scoring bets pass (ties: the earlier bet), in arrival order;
 * - jackpots always pass. They count against the budget (they use it up first), but are
 *   never dropped or delayed: in any 1 s interval an app emits at most
 *   `ratePerSecond` bets, plus the jackpots beyond that.
 *
 * Bets not chosen are dropped at the end of their window, so no bet is delayed by more
 * than one window.
 */

import { TopHeap } from "./top-heap";

export const RATE_INTERVAL_MS = 1000;

export interface SamplerConfig {
  /** Bets per app per second sent to clients (jackpots aside). */
  ratePerSecond: number;
  /** Window length; the caller flushes every `windowMs`. */
  windowMs: number;
}

export interface Emission<T> {
  appId: number;
  items: T[];
}

/** A jackpot of the open window (rare: an object each). */
interface Jackpot<T> {
  item: T;
  seq: number;
}

interface AppState<T> {
  appId: number;
  /** The window's best non-jackpot bets, at most `ratePerSecond`. */
  heap: TopHeap<T>;
  /** The window's jackpots, in arrival order. */
  jackpots: Jackpot<T>[];
  /** Bets offered in the current window (jackpots included). */
  seen: number;
  /** Emissions within the last RATE_INTERVAL_MS: [time, count] pairs, oldest first. */
  logTimes: number[];
  logCounts: number[];
  /** Non-jackpot part of each logCounts entry. */
  logNormal: number[];
  logTotal: number;
  logNormalTotal: number;
  lastActive: number;
  dirty: boolean;
}

export interface SamplerStats {
  offered: number;
  emitted: number;
  dropped: number;
  jackpots: number;
  /** The most non-jackpot bets one app was sent within RATE_INTERVAL_MS (never above the rate). */
  maxRate: number;
}

export class WindowSampler<T> {
  readonly config: Readonly<SamplerConfig>;
  readonly perWindow: number;
  private readonly apps = new Map<number, AppState<T>>();
  private dirty: AppState<T>[] = [];
  private seq = 0;
  private lastFlush: number | undefined;
  readonly stats: SamplerStats = { offered: 0, emitted: 0, dropped: 0, jackpots: 0, maxRate: 0 };

  constructor(config: SamplerConfig) {
    if (!Number.isInteger(config.ratePerSecond) || config.ratePerSecond < 1) throw new RangeError("ratePerSecond must be an integer >= 1");
    if (!(config.windowMs > 0 && config.windowMs <= RATE_INTERVAL_MS)) throw new RangeError("windowMs must be in (0, 1000]");
    this.config = Object.freeze({ ...config });
    this.perWindow = Math.max(1, Math.ceil((config.ratePerSecond * config.windowMs) / RATE_INTERVAL_MS));
  }

  /** Number of apps with state (a pending window or a rate log). */
  get appCount(): number {
    return this.apps.size;
  }

  offer(appId: number, item: T, score: number, jackpot: boolean, now: number): void {
    let app = this.apps.get(appId);
    if (app === undefined) {
      app = {
        appId,
        heap: new TopHeap<T>(this.config.ratePerSecond),
        jackpots: [],
        seen: 0,
        logTimes: [],
        logCounts: [],
        logNormal: [],
        logTotal: 0,
        logNormalTotal: 0,
        lastActive: now,
        dirty: false,
      };
      this.apps.set(appId, app);
    }
    app.lastActive = now;
    app.seen++;
    this.stats.offered++;
    if (!app.dirty) {
      app.dirty = true;
      this.dirty.push(app);
    }
    const seq = this.seq++;
    if (jackpot) app.jackpots.push({ item, seq });
    else app.heap.offer(score, seq, item); // at an equal score the later bet is the less interesting
  }

  /**
   * Whether a (non-jackpot) bet with this score could still be chosen in the app's open
   * window: false once the window holds `ratePerSecond` bets that score at least as high.
   * Lets the caller skip work (schema validation) for bets that would be dropped anyway.
   */
  admits(appId: number, score: number): boolean {
    const app = this.apps.get(appId);
    return app === undefined || app.heap.admits(score);
  }

  /** Counts a bet the caller dropped because `admits` said it could not be chosen. */
  countRejected(appId: number): void {
    const app = this.apps.get(appId);
    if (app === undefined) return;
    app.seen++;
    this.stats.offered++;
  }

  /** Close every open window; returns what to emit, per app, in arrival order. */
  flush(now: number): Emission<T>[] {
    const out: Emission<T>[] = [];
    // A late flush (busy event loop) closes a longer window: its share grows with it.
    const elapsed = this.lastFlush === undefined ? this.config.windowMs : Math.max(this.config.windowMs, now - this.lastFlush);
    this.lastFlush = now;
    const share = Math.max(this.perWindow, Math.ceil((this.config.ratePerSecond * Math.min(elapsed, RATE_INTERVAL_MS)) / RATE_INTERVAL_MS));
    const dirty = this.dirty;
    this.dirty = [];
    for (const app of dirty) {
      app.dirty = false;
      const items = this.closeWindow(app, now, share);
      if (items.length > 0) out.push({ appId: app.appId, items });
    }
    return out;
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

  /** Forget apps without bets for `idleMs`. */
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

  private closeWindow(app: AppState<T>, now: number, share: number): T[] {
    const { ratePerSecond } = this.config;
    // Expire emissions older than the rate interval.
    while (app.logTimes.length > 0 && now - app.logTimes[0]! >= RATE_INTERVAL_MS) {
      app.logTimes.shift();
      app.logTotal -= app.logCounts.shift()!;
      app.logNormalTotal -= app.logNormal.shift()!;
    }
    const available = Math.max(0, ratePerSecond - app.logTotal);
    const seen = app.seen;
    const jackpots = app.jackpots;
    const heap = app.heap;
    // All of the heap's bets pass when the whole window fits the budget, else the most
    // interesting ones in the slots the jackpots leave.
    const passing = seen <= available ? heap.size : Math.max(0, Math.min(available, share) - jackpots.length);
    const chosen = heap.best(passing);
    // In arrival order: the chosen bets merged with the jackpots (kept in arrival order).
    const items: T[] = [];
    for (let i = 0, j = 0; i < chosen.length || j < jackpots.length; ) {
      if (j === jackpots.length || (i < chosen.length && heap.seqAt(chosen[i]!) < jackpots[j]!.seq)) items.push(heap.itemAt(chosen[i++]!));
      else items.push(jackpots[j++]!.item);
    }
    const jackpotCount = jackpots.length;
    this.stats.jackpots += jackpotCount;
    this.stats.emitted += items.length;
    this.stats.dropped += seen - items.length;
    // The arrays are reused by the next window (items were copied out).
    heap.clear();
    jackpots.length = 0;
    app.seen = 0;
    if (items.length > 0) {
      app.logTimes.push(now);
      app.logCounts.push(items.length);
      app.logTotal += items.length;
      const normal = items.length - jackpotCount;
      app.logNormal.push(normal);
      app.logNormalTotal += normal;
      if (app.logNormalTotal > this.stats.maxRate) this.stats.maxRate = app.logNormalTotal;
    }
    return items;
  }
}
