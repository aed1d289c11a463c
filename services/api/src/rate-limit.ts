/**
 * Per-key request limit of one replica: at most `limit` requests per fixed window of
 * `windowMs`. Pure apart from the clock passed in.
 */
export type RateDecision = { ok: true } | { ok: false; retryAfterMs: number };

/** Windows kept before expired ones are swept. */
const SWEEP_ABOVE = 10_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): RateDecision {
    if (this.limit === 0) return { ok: true };
    const t = this.now();
    let w = this.windows.get(key);
    if (!w || t - w.start >= this.windowMs) {
      if (!w && this.windows.size >= SWEEP_ABOVE) this.sweep(t);
      w = { start: t, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.limit) return { ok: false, retryAfterMs: w.start + this.windowMs - t };
    w.count++;
    return { ok: true };
  }

  private sweep(t: number): void {
    for (const [key, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(key);
  }
}
