const LEAVE_RETRY_FIRST_MS = 1_000;

/** Wait before the leave attempt after `failures` failed ones: 1 s, doubling, at most `maxMs`. */
export function leaveRetryDelayMs(failures: number, maxMs: number): number {
  return Math.min(maxMs, LEAVE_RETRY_FIRST_MS * 2 ** Math.min(Math.max(0, failures - 1), 30));
}

/**
 * The waits between leave attempts of every socket, so that closing the feature ends them
 * all at once (a stopping gateway's goodbye makes chat drop its sockets instead).
 */
export class LeaveRetries {
  private readonly waiting = new Set<() => void>();
  private closed = false;

  constructor(private readonly maxMs: number) {}

  /** Waits before the next attempt; resolves false when the retries were closed meanwhile. */
  wait(failures: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (retry: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(wake);
        resolve(retry);
      };
      const wake = () => done(false);
      // unref: a pending retry never keeps a stopping gateway's process alive.
      const timer = setTimeout(() => done(!this.closed), leaveRetryDelayMs(failures, this.maxMs)).unref();
      this.waiting.add(wake);
    });
  }

  get pending(): number {
    return this.waiting.size;
  }

  close(): void {
    this.closed = true;
    for (const wake of [...this.waiting]) wake();
  }
}
