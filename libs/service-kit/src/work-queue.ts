/**
 * Bounded work for a request handler: at most `concurrency` jobs run, at most `queued` wait
 * (first in, first out), and one key (a user) holds at most `perKey` of the running and
 * waiting jobs. A job over a bound is refused at once, so a flood costs a refusal each, never
 * memory or a place in front of other keys' work. No clock, no timers.
 */
export interface WorkLimits {
  concurrency: number;
  queued: number;
  perKey: number;
}

/** `busy`: every slot and queue place is taken; `key_busy`: that key holds its share. */
export type WorkRefusal = "busy" | "key_busy";

interface Job {
  key: string;
  run: () => Promise<unknown>;
}

export class WorkQueue {
  private active = 0;
  /** Short by construction (at most `queued`): shift() is cheap. */
  private readonly waiting: Job[] = [];
  private readonly perKey = new Map<string, number>();

  constructor(readonly limits: WorkLimits) {
    const { concurrency, queued, perKey } = limits;
    for (const [name, v, min] of [["concurrency", concurrency, 1], ["queued", queued, 0], ["perKey", perKey, 1]] as const) {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer of at least ${min}, got ${v}`);
    }
  }

  /** Runs `run` now or once a slot frees, or refuses it. Its outcome is the caller's. */
  submit(key: string, run: () => Promise<unknown>): WorkRefusal | undefined {
    const held = this.perKey.get(key) ?? 0;
    if (held >= this.limits.perKey) return "key_busy";
    if (this.active >= this.limits.concurrency && this.queued >= this.limits.queued) return "busy";
    this.perKey.set(key, held + 1);
    const job = { key, run };
    if (this.active < this.limits.concurrency) this.start(job);
    else this.waiting.push(job);
    return undefined;
  }

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  private start(job: Job): void {
    this.active++;
    const done = () => this.done(job.key);
    job.run().then(done, done);
  }

  private done(key: string): void {
    this.active--;
    const held = (this.perKey.get(key) ?? 1) - 1;
    if (held === 0) this.perKey.delete(key);
    else this.perKey.set(key, held);
    const next = this.waiting.shift();
    if (next) this.start(next);
  }
}
