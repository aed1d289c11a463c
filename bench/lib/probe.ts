/**
 * Memory and CPU probe for a server child process. Run the process with --expose-gc so the
 * reading is taken after a full collection.
 */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { writeHeapSnapshot } from "node:v8";

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
}

export interface CpuReading {
  user: number;
  system: number;
  /** Wall-clock microseconds since process start, to turn CPU time into a share of a core. */
  wallUs: number;
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across local processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export async function memoryAfterGc(): Promise<MemoryReading> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    // Two passes with a turn of the event loop between them let weak callbacks and
    // finalizers run, so the second collection sees what the first released.
    gc();
    await sleep(50);
    gc();
  }
  const m = process.memoryUsage();
  // BENCH_HEAP_SNAPSHOT_DIR: each reading also writes a heap snapshot there (after the reading,
  // so the figures do not include it), to compare what a server holds before and after a storm.
  const dir = process.env.BENCH_HEAP_SNAPSHOT_DIR;
  if (dir) writeHeapSnapshot(path.join(dir, `${path.basename(process.argv[1] ?? "node")}-${process.pid}-${Date.now()}.heapsnapshot`));
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, gc: Boolean(gc) };
}

export function cpuReading(): CpuReading {
  const c = process.cpuUsage();
  return { user: c.user, system: c.system, wallUs: Math.round(process.uptime() * 1e6) };
}

/** Share of one core used between two readings (1.0 = one core busy). */
export function cpuShare(a: CpuReading, b: CpuReading): number {
  const wall = b.wallUs - a.wallUs;
  return wall <= 0 ? 0 : (b.user - a.user + b.system - a.system) / wall;
}

/** IPC handlers every server child exposes. */
export function probeHandlers(): { memory: () => Promise<MemoryReading>; cpu: () => CpuReading } {
  return { memory: memoryAfterGc, cpu: cpuReading };
}
