/**
 * The load generator: socket.io clients spread over several worker processes
 * (child_process.fork), so the clients do not share one event loop with each other or with
 * the runner. Results come back over IPC and are merged here.
 */
import { randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";
import { intArg } from "./format";
import { Histogram } from "./histogram";
import { ChildHandle } from "./ipc";
import { cpuShare, type CpuReading } from "./probe";
import type { BackResult, EmitRequest, EmitResult, OpenRequest, OpenResult } from "./pool-worker";

const WORKER = fileURLToPath(new URL("./pool-worker.ts", import.meta.url));

export interface PoolOpenRequest extends Omit<OpenRequest, "count" | "tokens" | "localAddress"> {
  count: number;
  tokens?: (string | null)[];
  /**
   * Give each worker its own loopback source address to spread ephemeral ports, and every
   * open() a fresh block of them (127.0.<block>.<2+n>): the client ports a closed storm left
   * in TIME_WAIT (60 s on Linux) then never slow down the next storm's connect(). With one
   * fixed set of addresses, 30,000 such ports made a bare 10k storm run at 442/s right after
   * two 19.6k storms and at 1,887/s a minute later.
   */
  spreadAddresses?: boolean;
}

export interface PoolOpenResult {
  requested: number;
  ready: number;
  failed: number;
  errors: Record<string, number>;
  connect: Histogram;
  ready_latency: Histogram;
  /** First socket started to last socket settled, across workers. */
  elapsedMs: number;
  /** Ready sockets per second over elapsedMs. */
  ratePerSec: number;
}

export interface PoolBackResult {
  total: number;
  back: number;
  firstDisconnectAt: number | null;
  lastBackAt: number | null;
  back_latency: Histogram;
  errors: Record<string, number>;
}

export interface PoolEmitResult {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  ack: Histogram;
  elapsedMs: number;
}

export interface ListenStats {
  counts: Record<string, number>;
  latency: Record<string, Histogram>;
  spans: Record<string, { firstAt: number; lastAt: number }>;
}

export interface CpuMark {
  readings: CpuReading[];
}

function mergeCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  return into;
}

/** The flags every socket scenario takes for its client pool: --workers, --concurrency (per worker), --timeout-seconds. */
export function clientPoolArgs(
  args: Record<string, string>,
  timeoutSeconds: { default: number; max: number },
): { workers: number; concurrency: number; timeoutMs: number } {
  return {
    workers: intArg(args, "workers", 4, 1, 16),
    concurrency: intArg(args, "concurrency", 50, 1, 5000),
    timeoutMs: intArg(args, "timeout-seconds", timeoutSeconds.default, 1, timeoutSeconds.max) * 1000,
  };
}

/** Split `total` into `parts` near-equal integers. */
export function split(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < total % parts ? 1 : 0));
}

export class ClientPool {
  // Random first block: a storm right after another benchmark run does not meet its TIME_WAIT ports either.
  private opens = randomInt(250);

  private constructor(readonly workers: ChildHandle[]) {}

  static async start(opts: { workers?: number; name?: string } = {}): Promise<ClientPool> {
    const n = Math.max(1, Math.min(opts.workers ?? 4, 16));
    const workers = await Promise.all(
      Array.from({ length: n }, (_, i) => ChildHandle.fork(WORKER, { name: `${opts.name ?? "client"}-${i}`, nodeFlags: ["--expose-gc"] })),
    );
    return new ClientPool(workers);
  }

  private all<T>(type: string, payload: unknown, timeoutMs: number): Promise<T[]> {
    return Promise.all(this.workers.map((w) => w.call<T>(type, payload, timeoutMs)));
  }

  async open(req: PoolOpenRequest): Promise<PoolOpenResult> {
    const shares = split(req.count, this.workers.length);
    const block = (this.opens++ % 250) + 1;
    let offset = 0;
    const results = await Promise.all(
      this.workers.map((w, i) => {
        const count = shares[i]!;
        const tokens = req.tokens?.slice(offset, offset + count);
        offset += count;
        const { spreadAddresses, ...rest } = req;
        const workerReq: OpenRequest = {
          ...rest,
          count,
          ...(tokens ? { tokens } : {}),
          ...(spreadAddresses ? { localAddress: `127.0.${block}.${2 + i}` } : {}),
        };
        return w.call<OpenResult>("open", workerReq, req.timeoutMs + 15_000);
      }),
    );
    const connect = new Histogram();
    const ready = new Histogram();
    const errors: Record<string, number> = {};
    let startedAt = Number.POSITIVE_INFINITY;
    let finishedAt = 0;
    let readyCount = 0;
    let failed = 0;
    let requested = 0;
    for (const r of results) {
      connect.merge(r.connectHist);
      ready.merge(r.readyHist);
      mergeCounts(errors, r.errors);
      startedAt = Math.min(startedAt, r.startedAt);
      finishedAt = Math.max(finishedAt, r.finishedAt);
      readyCount += r.ready;
      failed += r.failed;
      requested += r.requested;
    }
    const elapsedMs = Math.max(0, finishedAt - startedAt);
    return {
      requested,
      ready: readyCount,
      failed,
      errors,
      connect,
      ready_latency: ready,
      elapsedMs,
      ratePerSec: elapsedMs > 0 ? (readyCount * 1000) / elapsedMs : 0,
    };
  }

  async mark(): Promise<number> {
    const r = await this.all<{ sockets: number }>("mark", {}, 10_000);
    return r.reduce((a, b) => a + b.sockets, 0);
  }

  async waitBack(timeoutMs: number): Promise<PoolBackResult> {
    const results = await this.all<BackResult>("waitBack", { timeoutMs }, timeoutMs + 15_000);
    const hist = new Histogram();
    const errors: Record<string, number> = {};
    let firstDisconnectAt: number | null = null;
    let lastBackAt: number | null = null;
    let total = 0;
    let back = 0;
    for (const r of results) {
      hist.merge(r.backHist);
      mergeCounts(errors, r.errors);
      total += r.total;
      back += r.back;
      if (r.firstDisconnectAt !== null) firstDisconnectAt = Math.min(firstDisconnectAt ?? Infinity, r.firstDisconnectAt);
      if (r.lastBackAt !== null) lastBackAt = Math.max(lastBackAt ?? 0, r.lastBackAt);
    }
    return { total, back, firstDisconnectAt, lastBackAt, back_latency: hist, errors };
  }

  /** Each worker emits `count / workers` times from its own sockets. */
  async emit(req: EmitRequest): Promise<PoolEmitResult> {
    const shares = split(req.count, this.workers.length);
    const results = await Promise.all(
      this.workers.map((w, i) => w.call<EmitResult>("emit", { ...req, count: shares[i] }, req.timeoutMs + 15_000)),
    );
    const ack = new Histogram();
    const errors: Record<string, number> = {};
    let sent = 0;
    let acked = 0;
    let startedAt = Number.POSITIVE_INFINITY;
    let finishedAt = 0;
    for (const r of results) {
      ack.merge(r.ackHist);
      mergeCounts(errors, r.errors);
      sent += r.sent;
      acked += r.acked;
      if (r.sent > 0) {
        startedAt = Math.min(startedAt, r.startedAt);
        finishedAt = Math.max(finishedAt, r.finishedAt);
      }
    }
    return { sent, acked, errors, ack, elapsedMs: Math.max(0, finishedAt - startedAt) };
  }

  /** Events received by the `listen` handlers since the last reset, with latency histograms. */
  async listenStats(reset = false): Promise<ListenStats> {
    const results = await this.all<{
      counts: Record<string, number>;
      hists: Record<string, ReturnType<Histogram["toJSON"]>>;
      spans: Record<string, [number, number]>;
    }>("listenStats", { reset }, 10_000);
    const counts: Record<string, number> = {};
    const latency: Record<string, Histogram> = {};
    const spans: Record<string, { firstAt: number; lastAt: number }> = {};
    for (const r of results) {
      mergeCounts(counts, r.counts);
      for (const [k, h] of Object.entries(r.hists)) (latency[k] ??= new Histogram()).merge(h);
      for (const [k, [first, last]] of Object.entries(r.spans)) {
        const s = spans[k];
        spans[k] = s ? { firstAt: Math.min(s.firstAt, first), lastAt: Math.max(s.lastAt, last) } : { firstAt: first, lastAt: last };
      }
    }
    return { counts, latency, spans };
  }

  /** Poll listenStats until `event` was received `count` times in total, or the deadline. */
  async waitReceived(event: string, count: number, timeoutMs: number): Promise<ListenStats> {
    const deadline = Date.now() + timeoutMs;
    let stats = await this.listenStats();
    let last = -1;
    let idleSince = Date.now();
    while ((stats.counts[event] ?? 0) < count && Date.now() < deadline) {
      const seen = stats.counts[event] ?? 0;
      if (seen !== last) {
        last = seen;
        idleSince = Date.now();
      } else if (Date.now() - idleSince > 10_000) {
        break; // nothing arrived for 10 s: the rest is lost
      }
      await new Promise((r) => setTimeout(r, 100));
      stats = await this.listenStats();
    }
    return stats;
  }

  async stats(): Promise<{ sockets: number; connected: number; authed: number }> {
    const r = await this.all<{ sockets: number; connected: number; authed: number }>("stats", {}, 10_000);
    return r.reduce((a, b) => ({ sockets: a.sockets + b.sockets, connected: a.connected + b.connected, authed: a.authed + b.authed }));
  }

  async cpuMark(): Promise<CpuMark> {
    return { readings: await this.all<CpuReading>("cpu", {}, 10_000) };
  }

  /** CPU the generator workers used since `mark`: seconds, and share of one core (summed over workers). */
  async cpuSince(mark: CpuMark): Promise<{ seconds: number; cores: number }> {
    const now = await this.all<CpuReading>("cpu", {}, 10_000);
    let seconds = 0;
    let cores = 0;
    now.forEach((b, i) => {
      const a = mark.readings[i]!;
      seconds += (b.user - a.user + b.system - a.system) / 1e6;
      cores += cpuShare(a, b);
    });
    return { seconds, cores };
  }

  async close(): Promise<number> {
    const r = await this.all<{ closed: number }>("close", { timeoutMs: 200 }, 60_000);
    return r.reduce((a, b) => a + b.closed, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(10_000)));
  }
}
