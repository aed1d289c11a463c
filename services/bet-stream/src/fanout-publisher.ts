/**
 * Publishes bet-stream's `new_bets` messages from a thread of its own, on a NATS
 * connection of its own (fanout-publisher-thread.mjs).
 *
 * At thousands of busy apps every bet is published again, one message per app and window,
 * and publishing (the protocol line, buffering, socket writes) took a fifth of the main
 * thread, which must also decode and validate every upstream bet: on its own thread it runs
 * beside them (docs/BETS.md, "Performance").
 *
 * The messages of one flush travel as one batch: one buffer, transferred rather than
 * copied, and an index of (app_id, offset, length). One thread publishes the batches in the
 * order they were sent, on one connection, so an app's messages keep their order.
 *
 * Should the thread fail (it logs why), the messages sent after that are published on the
 * service's own connection: slower, never lost silently.
 */
import { Worker } from "node:worker_threads";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { betFanoutEnd, betFanoutSize, writeBetFanout } from "./bet-fanout-encoder";
import { grown } from "./grown";

export interface FanoutPublisherOptions {
  /** NATS servers, as in NATS_URL (comma-separated). */
  natsUrl: string;
  /** Connection name. */
  name: string;
  /** App `id`'s messages go to `subjectPrefix + id` (names.fanout.betsPrefix). */
  subjectPrefix: string;
  /** Publishes when the thread is not running. */
  fallback: NatsConnection;
  log: Logger;
}

const THREAD_URL = new URL("./fanout-publisher-thread.mjs", import.meta.url);

/** What the thread says (see fanout-publisher-thread.mjs). */
type ThreadMessage = { type: "ready" } | { type: "closed" } | { type: "status"; status: string; server?: string };

export class FanoutPublisher {
  private worker: Worker | undefined;
  private closing: Promise<void> | undefined;
  private bytes = new Uint8Array(1 << 16);
  private index = new Int32Array(3 * 1024);
  private used = 0;
  private count = 0;

  constructor(private readonly opts: FanoutPublisherOptions) {}

  /** Starts the thread and its connection; if it cannot start, messages go out on the fallback connection. */
  async start(): Promise<void> {
    const worker = new Worker(THREAD_URL, {
      workerData: { servers: this.opts.natsUrl.split(","), name: this.opts.name, subjectPrefix: this.opts.subjectPrefix },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const settle = (err?: Error) => {
          worker.off("message", onReady).off("error", settle).off("exit", onExit);
          if (err) reject(err);
          else resolve();
        };
        const onReady = (m: ThreadMessage) => {
          if (m.type === "ready") settle();
        };
        const onExit = (code: number) => settle(new Error(`exited with code ${code}`));
        worker.on("message", onReady).on("error", settle).on("exit", onExit);
      });
    } catch (err) {
      this.opts.log.error({ err: (err as Error).message }, "fan-out publisher thread did not start; publishing new_bet on the main connection");
      await worker.terminate();
      return;
    }
    worker.on("message", (m: ThreadMessage) => {
      if (m.type === "status") this.opts.log.warn({ nats: m.status, server: m.server, connection: this.opts.name }, "nats connection status");
    });
    worker.on("error", (err) => this.opts.log.error({ err: err.message }, "fan-out publisher thread failed; publishing new_bet on the main connection"));
    worker.on("exit", () => {
      if (this.worker === worker) this.worker = undefined;
    });
    // The service's own connection keeps the process alive; a thread left over by a failed start must not.
    worker.unref();
    this.worker = worker;
  }

  /** Whether messages go out from the thread (false before start, after close, or after the thread failed). */
  get threaded(): boolean {
    return this.worker !== undefined;
  }

  /**
   * Adds the `new_bets` messages that carry an app's bets (each as UTF-8 JSON, in order) to
   * the current batch, written straight into it (see betFanoutMessages).
   */
  add(appId: number, bets: readonly Uint8Array[]): void {
    for (let start = 0; start < bets.length; ) {
      const end = betFanoutEnd(bets, start);
      const size = betFanoutSize(bets, start, end);
      if (this.used + size > this.bytes.length) this.bytes = grown(this.bytes, this.used, this.used + size);
      if (3 * this.count + 3 > this.index.length) this.index = grown(this.index, 3 * this.count, 3 * this.count + 3);
      writeBetFanout(bets, start, end, this.bytes, this.used);
      this.index[3 * this.count] = appId;
      this.index[3 * this.count + 1] = this.used;
      this.index[3 * this.count + 2] = size;
      this.used += size;
      this.count++;
      start = end;
    }
  }

  /** Hands the current batch to the thread (publishes it on the fallback connection if the thread is not running). */
  send(): void {
    if (this.count === 0) return;
    const { bytes, index, count, used } = this;
    this.used = 0;
    this.count = 0;
    if (this.worker === undefined) {
      for (let i = 0; i < count; i++) {
        const start = index[3 * i + 1]!;
        this.opts.fallback.publish(this.opts.subjectPrefix + index[3 * i]!, bytes.slice(start, start + index[3 * i + 2]!));
      }
      return;
    }
    this.worker.postMessage({ type: "batch", bytes: bytes.buffer, index: index.buffer, count }, [bytes.buffer, index.buffer]);
    // The buffers now belong to the thread; the next batch starts in new ones, sized for one like this.
    this.bytes = new Uint8Array(Math.max(1 << 16, used + (used >> 2)));
    this.index = new Int32Array(Math.max(3 * 1024, 3 * count + ((3 * count) >> 2)));
  }

  /** Sends the current batch, waits until the thread has published everything and closed its connection. */
  close(): Promise<void> {
    this.send();
    this.closing ??= this.closeThread();
    return this.closing;
  }

  private async closeThread(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      worker.on("message", (m: ThreadMessage) => {
        if (m.type === "closed") resolve();
      });
      worker.once("exit", () => resolve());
      worker.postMessage({ type: "close" });
    });
    await worker.terminate();
  }
}
