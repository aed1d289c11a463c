/**
 * What the gateway does when its NATS connection comes back (its node died or restarted and
 * the client reconnected, to the same server or another of NATS_URL). Fan-out reaches the
 * gateway on core NATS subscriptions, at most once: what was published while the connection
 * was down never arrives. Each feature registers a task that reads what its rooms may have
 * missed from where it is kept (chat's history, the deposits stream) and relays it through
 * `RelayRegistry.hold`, so that nothing is lost and nothing is doubled.
 *
 * Tasks run one after another, once per reconnect; a reconnect during a resync runs them
 * again afterwards (from the earlier loss). A task that fails is logged; the others run.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

/** A feature's resync; `since` is when the connection was lost (Unix epoch ms, this host's clock). */
export type ResyncTask = (since: number) => Promise<void>;

export interface ResyncRegistry {
  onReconnect(name: string, task: ResyncTask): void;
}

export class ReconnectResync implements ResyncRegistry {
  private readonly tasks = new Map<string, ResyncTask>();
  private lostAt: number | undefined;
  private running: Promise<void> | undefined;
  private queued: number | undefined;
  private closed = false;
  /** Resyncs finished (tasks run to the end, failed or not). */
  completed = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {}

  onReconnect(name: string, task: ResyncTask): void {
    if (this.tasks.has(name)) throw new Error(`resync ${name} is registered twice`);
    this.tasks.set(name, task);
  }

  /** Follows the connection's status events until `close`. */
  start(): void {
    void (async () => {
      // Ends with the connection; after `close`, at the next status event.
      for await (const s of this.nc.status()) {
        if (this.closed) break;
        if (s.type === "disconnect") this.lostAt ??= Date.now();
        else if (s.type === "reconnect") this.reconnected();
      }
    })().catch((err: unknown) => this.log.error({ err }, "following the NATS connection's status failed"));
  }

  /** The connection is back: resync now, or after the resync that runs. */
  reconnected(): void {
    const since = this.lostAt ?? Date.now();
    this.lostAt = undefined;
    if (this.closed) return;
    if (this.running) {
      this.queued = Math.min(this.queued ?? since, since);
      return;
    }
    this.running = this.run(since);
  }

  /** Resolves once no resync runs or waits (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  close(): void {
    this.closed = true;
  }

  private async run(since: number): Promise<void> {
    try {
      // The client sent its subscriptions to the server before it reported the reconnect;
      // after this round trip the server has them, so what is published from now on reaches
      // the gateway live and what was published before is in what the tasks read.
      await this.nc.flush();
      for (const [name, task] of this.tasks) {
        if (this.closed) return;
        const started = Date.now();
        try {
          await task(since);
          this.log.info({ feature: name, ms: Date.now() - started, lost_ms: started - since }, "resynced after the NATS connection came back");
        } catch (err) {
          this.log.error({ err, feature: name }, "resync after the NATS connection came back failed");
        }
      }
    } catch (err) {
      this.log.warn({ err }, "resync after the NATS connection came back did not run (the connection went again)");
    } finally {
      this.completed++;
      const next = this.queued;
      this.queued = undefined;
      this.running = next === undefined || this.closed ? undefined : this.run(next);
    }
  }
}

/** Runs `each` over `items`, at most `limit` at once. */
export async function forEachLimited<T>(items: Iterable<T>, limit: number, each: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

/** Calls `attempt` until it resolves, at most `tries` times, `waitMs` apart; rethrows the last failure. */
export async function withRetries<T>(tries: number, waitMs: number, attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (i >= tries) throw err;
      await new Promise((r) => setTimeout(r, waitMs));
    }
  }
}
