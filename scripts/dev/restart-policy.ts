/**
 * When `npm start` restarts a service that exited on its own: after `initialMs`, doubling
 * with each crash up to `maxMs`; a run that lasted `stableMs` or more starts over from
 * `initialMs` (a crash an hour later is not part of a crash loop).
 */
export interface RestartPolicyOptions {
  initialMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { initialMs: 500, maxMs: 30_000, stableMs: 60_000 };

export class RestartPolicy {
  private nextMs: number;

  constructor(private readonly opts: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {
    this.nextMs = opts.initialMs;
  }

  /** The delay before the next start, given how long the run that just ended lasted. */
  delayAfter(ranMs: number): number {
    if (ranMs >= this.opts.stableMs) this.nextMs = this.opts.initialMs;
    const delay = this.nextMs;
    this.nextMs = Math.min(this.opts.maxMs, this.nextMs * 2);
    return delay;
  }
}
