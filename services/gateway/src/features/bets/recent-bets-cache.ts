import type { NewBet } from "@socketpot/contracts";

/** What fetching an app's recent bets from bet-stream gave: the bets (newest last) and how many it keeps. */
export type RecentBetsSnapshot = { bets: NewBet[]; limit: number } | undefined;

type Entry =
  | { state: "pending"; promise: Promise<NewBet[] | undefined>; live: boolean; relayed: NewBet[] }
  | { state: "live"; bets: NewBet[]; limit: number }
  | { state: "unavailable"; until: number };

export interface RecentBetsCacheOptions {
  /** Whether the gateway is subscribed to this room's feed now (then the cache can follow it). */
  isRelaying(room: string): boolean;
  /** After bet-stream did not answer, auths for this long get no `bets` without asking again. */
  retryMs: number;
  now?: () => number;
}

/**
 * An app's recent bets for late joiners, per gateway. Asking bet-stream at every auth would
 * cost a request per socket in a connect storm; instead the first auth while the gateway
 * relays the app's feed takes a snapshot from bet-stream, and from then on every bet the
 * gateway relays to the room is appended to it, so later auths are answered from memory
 * and see exactly what the room's sockets saw. Bets relayed while the snapshot is on its
 * way are kept and appended after it.
 *
 * An auth that arrives before the gateway relays the room (the app's first socket here)
 * gets its own snapshot, shared with concurrent auths, but not kept: bets published before
 * the subscription exists would be missing from it. The entry is dropped when the room
 * closes (`forget`), so the cache holds entries for relayed rooms only.
 */
export class RecentBetsCache {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;

  constructor(private readonly opts: RecentBetsCacheOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The room's recent bets, newest last; undefined when bet-stream did not answer. */
  get(room: string, fetch: () => Promise<RecentBetsSnapshot>): Promise<NewBet[] | undefined> {
    const entry = this.entries.get(room);
    if (entry?.state === "live") return Promise.resolve(entry.bets.slice());
    if (entry?.state === "pending") return entry.promise;
    if (entry?.state === "unavailable" && this.now() < entry.until) return Promise.resolve(undefined);

    const pending: Extract<Entry, { state: "pending" }> = {
      state: "pending",
      promise: Promise.resolve(undefined),
      live: this.opts.isRelaying(room),
      relayed: [],
    };
    pending.promise = fetch().then(
      (snapshot) => this.settle(room, pending, snapshot),
      () => this.settle(room, pending, undefined),
    );
    this.entries.set(room, pending);
    return pending.promise;
  }

  /** A bet the gateway relayed to the room. */
  record(room: string, bet: NewBet): void {
    const entry = this.entries.get(room);
    if (entry?.state === "live") {
      entry.bets.push(bet);
      if (entry.bets.length > entry.limit) entry.bets.splice(0, entry.bets.length - entry.limit);
    } else if (entry?.state === "pending" && entry.live) {
      entry.relayed.push(bet);
    }
  }

  /** The gateway stopped relaying the room: what the cache holds would go stale. */
  forget(room: string): void {
    this.entries.delete(room);
  }

  get size(): number {
    return this.entries.size;
  }

  private settle(room: string, pending: Extract<Entry, { state: "pending" }>, snapshot: RecentBetsSnapshot): NewBet[] | undefined {
    const current = this.entries.get(room) === pending;
    if (!snapshot) {
      // Remembered only for a relayed room, so that `forget` bounds what the cache holds.
      if (current && pending.live) this.entries.set(room, { state: "unavailable", until: this.now() + this.opts.retryMs });
      else if (current) this.entries.delete(room);
      return undefined;
    }
    const seen = new Set(snapshot.bets.map((b) => b.id));
    const bets = [...snapshot.bets, ...pending.relayed.filter((b) => !seen.has(b.id))];
    if (bets.length > snapshot.limit) bets.splice(0, bets.length - snapshot.limit);
    if (current) {
      if (pending.live) this.entries.set(room, { state: "live", bets: bets.slice(), limit: snapshot.limit });
      else this.entries.delete(room);
    }
    return bets;
  }
}
