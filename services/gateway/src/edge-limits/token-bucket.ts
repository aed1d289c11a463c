/**
 * A token bucket: `ratePerSecond` tokens flow in, at most `burst` are kept. Pure: the clock
 * (milliseconds) is passed in. A take larger than the burst is allowed from a full bucket and
 * empties it (no debt), so one large item never locks the bucket for longer than a refill.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** True when `n` tokens (or a full bucket, for n above the burst) are there now. */
  allows(n: number, now: number): boolean {
    this.refill(now);
    return this.tokens >= Math.min(n, this.burst);
  }

  /** Takes `n` tokens; call after `allows`. */
  take(n: number): void {
    this.tokens = Math.max(0, this.tokens - n);
  }

  /** True when the bucket has refilled completely (its state then says nothing). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }

  private refill(now: number): void {
    if (now <= this.last) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}
