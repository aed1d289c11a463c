/**
 * JetStream direct gets (`$JS.API.DIRECT.GET.<stream>.<subject>`, the newest message on a
 * subject) over one subscription per connection, for hot paths such as the gateway's auth.
 *
 * `kv.get` goes through nats-core's muxed request, which builds an `Error` with a stack trace
 * for every request, answered or not (RequestOne.cancel rejects its already settled promise
 * with a new RequestError), even with `noAsyncTraces`. Here a request is a publish with a
 * reply subject under this reader's inbox and an entry in a Map; an Error is built only for
 * a request that fails. Timeouts are checked by one sweep timer while requests are pending.
 *
 * Requests are published together (publishQueued): on the next turn of the event loop when
 * none were published in the last `coalesceMs`, else once that much time has passed since
 * the last batch. A lone request waits for no timer; in a connect storm the reads of many
 * auths share one write and one read on each side, which is most of what a direct get costs
 * the NATS server (about 100 us of its CPU per get sent alone on a 2-core machine, 40-50 us
 * in batches of a 5 ms window; docs/CAPACITY.md).
 */
import { createInbox, Empty, type Msg, type NatsConnection, type Subscription } from "@nats-io/transport-node";

export type DirectReply =
  /** The newest message's payload (empty for a KV delete or purge marker). */
  | { found: true; data: Uint8Array }
  /** 404: the stream has no message on the subject. */
  | { found: false; reason: "no-message" }
  /**
   * 503: no responders. (A stream that does not exist is not one: JetStream's API ignores
   * the request and it times out.)
   */
  | { found: false; reason: "no-stream" };

export interface DirectGetsOptions {
  /** A request not answered within this long fails (default 5,000 ms). */
  timeoutMs?: number;
  /** The shortest time between two batches of requests (default DIRECT_GET_COALESCE_MS). */
  coalesceMs?: number;
  apiPrefix?: string;
}

/** The default batching window: at most 200 writes a second to NATS, a few ms of wait under load only. */
export const DIRECT_GET_COALESCE_MS = 5;

interface Pending {
  resolve(reply: DirectReply): void;
  reject(err: Error): void;
  deadline: number;
}

export class DirectGets {
  private readonly inbox: string;
  private readonly pending = new Map<number, Pending>();
  private readonly sub: Subscription;
  private next = 0;
  private sweeper: NodeJS.Timeout | undefined;
  /** Requests not published yet: they go together in the next batch (schedulePublish). */
  private queued: Array<{ id: number; subject: string }> = [];
  private publishing: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private lastPublishAt = -Infinity;
  private readonly timeoutMs: number;
  private readonly coalesceMs: number;
  private readonly apiPrefix: string;

  constructor(
    private readonly nc: NatsConnection,
    opts: DirectGetsOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 5_000;
    this.coalesceMs = opts.coalesceMs ?? DIRECT_GET_COALESCE_MS;
    this.apiPrefix = opts.apiPrefix ?? "$JS.API";
    this.inbox = createInbox();
    this.sub = nc.subscribe(`${this.inbox}.*`, { callback: (err, msg) => (err ? this.failAll(err) : this.answer(msg)) });
    void this.sub.closed.then(() => this.failAll(new Error("direct get subscription closed")));
  }

  /** The newest message on `subject` in `stream`. */
  last(stream: string, subject: string): Promise<DirectReply> {
    const id = ++this.next;
    return new Promise<DirectReply>((resolve, reject) => {
      if (this.nc.isClosed()) return reject(new Error("NATS connection closed"));
      this.pending.set(id, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      this.sweeper ??= setInterval(() => this.sweep(), Math.max(50, this.timeoutMs / 4)).unref();
      this.queued.push({ id, subject: `${this.apiPrefix}.DIRECT.GET.${stream}.${subject}` });
      this.publishing ??= this.schedulePublish();
    });
  }

  private schedulePublish(): NodeJS.Immediate | NodeJS.Timeout {
    const wait = this.lastPublishAt + this.coalesceMs - performance.now();
    return wait > 0 ? setTimeout(() => this.publishQueued(), wait) : setImmediate(() => this.publishQueued());
  }

  /**
   * One socket write for the requests of many auths in a storm: nats-core writes what was
   * published by the end of each microtask checkpoint, and every auth runs in its own.
   */
  private publishQueued(): void {
    const queued = this.queued;
    this.queued = [];
    this.publishing = undefined;
    this.lastPublishAt = performance.now();
    for (const { id, subject } of queued) {
      if (!this.pending.has(id)) continue;
      try {
        this.nc.publish(subject, Empty, { reply: `${this.inbox}.${id}` });
      } catch (err) {
        this.settle(id)?.reject(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    this.sub.unsubscribe();
    this.failAll(new Error("direct gets closed"));
  }

  private answer(msg: Msg): void {
    const id = Number(msg.subject.slice(this.inbox.length + 1));
    const p = this.settle(id);
    if (!p) return;
    // A reply with a payload is the message, and its headers are not decoded: nats-core's
    // MsgHdrsImpl.decode was most of the garbage a read left behind. Status replies (404,
    // 503) have no payload, nor have KV delete and purge markers.
    const code = msg.data.length > 0 ? 0 : (msg.headers?.code ?? 0);
    if (code === 0) p.resolve({ found: true, data: msg.data });
    else if (code === 404) p.resolve({ found: false, reason: "no-message" });
    else if (code === 503) p.resolve({ found: false, reason: "no-stream" });
    else p.reject(new Error(`direct get failed: ${code} ${msg.headers?.description ?? ""}`.trim()));
  }

  private settle(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
    return p;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.pending) {
      if (p.deadline > now) continue;
      this.settle(id);
      p.reject(new Error(`direct get timed out after ${this.timeoutMs} ms`));
    }
  }

  private failAll(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(err);
  }
}
