/**
 * At most `perMinute` log lines per rolling minute for one kind of event; the rest are
 * counted and reported in the next line that gets through. Pure apart from the clock.
 */
export class ThrottledLog {
  private windowStart = -Infinity;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly perMinute: number,
    private readonly write: (fields: Record<string, unknown>, msg: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs (or counts) one event; returns true when it was written. */
  log(fields: Record<string, unknown>, msg: string): boolean {
    const t = this.now();
    if (t - this.windowStart >= 60_000) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.perMinute) {
      this.suppressed++;
      return false;
    }
    this.inWindow++;
    if (this.suppressed > 0) {
      fields = { ...fields, suppressed: this.suppressed };
      this.suppressed = 0;
    }
    this.write(fields, msg);
    return true;
  }
}
