/**
 * The last bets bet-stream sent for each app, newest last, for late joiners (`betsRecent`).
 *
 * A bet is remembered as its JSON text, decoded from the bytes it was sent as: the bytes
 * are a view into the connection's read buffer, which a remembered view would keep alive
 * for as long as the app keeps the bet (an hour for a quiet app).
 */
interface AppBets {
  texts: string[];
  lastActive: number;
}

export class RecentBets {
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
      app = { texts: [], lastActive: now };
      this.apps.set(appId, app);
    }
    app.lastActive = now;
    const texts = app.texts;
    for (let i = Math.max(0, bets.length - this.limit); i < bets.length; i++) texts.push(this.decoder.decode(bets[i]!));
    if (texts.length > this.limit) texts.splice(0, texts.length - this.limit);
  }

  /** The app's remembered bets (JSON texts), oldest first. */
  list(appId: number): string[] {
    return this.apps.get(appId)?.texts.slice() ?? [];
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
}
