/**
 * A mergeable latency histogram with ~1% relative precision (log buckets over microseconds).
 * Workers record locally and ship `toJSON()` over IPC; the parent merges them.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramJSON {
  buckets: [number, number][];
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  private readonly buckets = new Map<number, number>();
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  /** Record one value in milliseconds (negative values, from clock skew, count as 0). */
  record(ms: number): void {
    if (!Number.isFinite(ms)) return;
    const v = ms < 0 ? 0 : ms;
    const us = v * 1000;
    const index = us < 1 ? 0 : Math.ceil(Math.log(us) / LOG_GROWTH);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
    this.count += 1;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram | HistogramJSON): this {
    const json = other instanceof Histogram ? other.toJSON() : other;
    for (const [index, n] of json.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    this.count += json.count;
    this.sum += json.sum;
    if (json.count > 0) {
      this.min = Math.min(this.min, json.min);
      this.max = Math.max(this.max, json.max);
    }
    return this;
  }

  /** Value at percentile p (0-100), in ms; the upper edge of its bucket, clamped to [min, max]. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    const sorted = [...this.buckets.entries()].sort((a, b) => a[0] - b[0]);
    let seen = 0;
    for (const [index, n] of sorted) {
      seen += n;
      if (seen >= rank) {
        const upper = index === 0 ? 0 : GROWTH ** index / 1000;
        return Math.min(this.max, Math.max(this.min, upper));
      }
    }
    return this.max;
  }

  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  summary(): { count: number; mean: number; p50: number; p90: number; p99: number; max: number } {
    return {
      count: this.count,
      mean: this.mean(),
      p50: this.percentile(50),
      p90: this.percentile(90),
      p99: this.percentile(99),
      max: this.count === 0 ? Number.NaN : this.max,
    };
  }

  toJSON(): HistogramJSON {
    return { buckets: [...this.buckets.entries()], count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  static fromJSON(json: HistogramJSON): Histogram {
    return new Histogram().merge(json);
  }
}
