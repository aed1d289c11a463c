/**
 * The client side of one system under test in the chat fan-out benchmarks: a set of
 * client processes (fanout-worker.ts) holding N receivers split over the system's nodes and
 * one poster, and the closed loop that keeps `inFlight` messages in flight: a new message
 * is posted each time one has reached every receiver.
 */
import { fileURLToPath } from "node:url";
import { Histogram } from "./histogram";
import { ChildHandle } from "./ipc";
import { split } from "./pool";
import type { CpuReading } from "./probe";
import type { FanoutAuth, FanoutCollect } from "./fanout-worker";

const WORKER = fileURLToPath(new URL("./fanout-worker.ts", import.meta.url));

export interface RoundResult {
  messages: number;
  /** Messages that reached every receiver. */
  complete: number;
  deliveries: number;
  expected: number;
  seconds: number;
  latency: Histogram;
  ackErrors: Record<string, number>;
}

export class FanoutClients {
  private receivers = 0;

  private constructor(
    readonly label: string,
    readonly workers: ChildHandle[],
  ) {}

  static async start(label: string, workers: number): Promise<FanoutClients> {
    const handles = await Promise.all(
      Array.from({ length: workers }, (_, i) => ChildHandle.fork(WORKER, { name: `${label}-clients-${i}` })),
    );
    return new FanoutClients(label, handles);
  }

  /** Opens `count` receivers over `urls` and the poster on `posterUrl`; returns the receivers ready. */
  async open(opts: { urls: string[]; count: number; auth: FanoutAuth; posterUrl: string; posterAuth: FanoutAuth; concurrency: number; timeoutMs: number }): Promise<{ ready: number; errors: Record<string, number> }> {
    const shares = split(opts.count, this.workers.length);
    let offset = 0;
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const req = { urls: opts.urls, offset, count: shares[i]!, auth: opts.auth, concurrency: opts.concurrency, timeoutMs: opts.timeoutMs };
        offset += shares[i]!;
        return w.call<{ ready: number; errors: Record<string, number> }>("open", req, opts.timeoutMs + 15_000);
      }),
    );
    await this.workers[0]!.call("openPoster", { url: opts.posterUrl, auth: opts.posterAuth, timeoutMs: 30_000 }, 45_000);
    const errors: Record<string, number> = {};
    let ready = 0;
    for (const r of results) {
      ready += r.ready;
      for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    }
    this.receivers = ready;
    return { ready, errors };
  }

  /**
   * Posts `messages` with `inFlight` at a time, each next one once an earlier one reached
   * every receiver; ends when all are complete or nothing completed for `idleMs`.
   */
  async round(tag: string, messages: number, inFlight: number, idleMs = 15_000): Promise<RoundResult> {
    const armed = await Promise.all(this.workers.map((w) => w.call<{ receivers: number }>("arm", { tag }, 10_000)));
    const holders = armed.filter((a) => a.receivers > 0).length;
    const done = new Map<number, number>();
    let sent = 0;
    let complete = 0;
    let startedAt = 0;
    let lastCompleteAt = 0;
    const poster = this.workers[0]!;
    const finished = new Promise<void>((resolve) => {
      let idle: NodeJS.Timeout | undefined;
      const rearm = () => {
        clearTimeout(idle);
        idle = setTimeout(finish, idleMs);
      };
      const offs: (() => void)[] = [];
      const finish = () => {
        clearTimeout(idle);
        for (const off of offs) off();
        resolve();
      };
      const postNext = () => {
        if (sent >= messages) return;
        const seq = sent++;
        void poster.call("post", { tag, seq }, 10_000).catch(() => undefined);
      };
      for (const w of this.workers) {
        offs.push(
          w.on("done", (data) => {
            const d = data as { tag: string; seq: number };
            if (d.tag !== tag) return;
            const n = (done.get(d.seq) ?? 0) + 1;
            done.set(d.seq, n);
            if (n < holders) return;
            done.delete(d.seq);
            complete++;
            lastCompleteAt = performance.now();
            rearm();
            if (complete >= messages) finish();
            else postNext();
          }),
        );
      }
      startedAt = performance.now();
      rearm();
      for (let i = 0; i < Math.min(inFlight, messages); i++) postNext();
    });
    await finished;
    const endedAt = complete >= messages ? lastCompleteAt : performance.now();
    const collected = await Promise.all(this.workers.map((w) => w.call<FanoutCollect>("collect", {}, 10_000)));
    const latency = new Histogram();
    const ackErrors: Record<string, number> = {};
    let deliveries = 0;
    for (const c of collected) {
      deliveries += c.received;
      latency.merge(c.hist);
      for (const [k, v] of Object.entries(c.ackErrors)) ackErrors[k] = (ackErrors[k] ?? 0) + v;
    }
    return { messages: sent, complete, deliveries, expected: sent * this.receivers, seconds: (endedAt - startedAt) / 1000, latency, ackErrors };
  }

  async cpuSeconds(): Promise<number> {
    const readings = await Promise.all(this.workers.map((w) => w.call<CpuReading>("cpu", {}, 10_000)));
    return readings.reduce((s, r) => s + (r.user + r.system) / 1e6, 0);
  }

  pids(): number[] {
    return this.workers.map((w) => w.child.pid!).filter((p) => p !== undefined);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call("close", {}, 30_000).catch(() => undefined)));
    this.receivers = 0;
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(10_000)));
  }
}
