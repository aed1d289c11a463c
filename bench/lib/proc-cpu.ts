/**
 * CPU time of server processes a benchmark does not start itself (the NATS server, Redis,
 * PostgreSQL): found by the TCP port they listen on (`ss -ltnpH`), read from
 * /proc/<pid>/stat (utime + stime) before and after a measurement. Linux only; where a
 * process cannot be found the reading says so instead of counting zero.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux). */
let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime in clock ticks from the text of /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): number | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** The pid of the process listening on `port`, from `ss -ltnpH` output. */
export function parseListenerPid(ssOutput: string, port: number): number | undefined {
  for (const line of ssOutput.split("\n")) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local || !local.endsWith(`:${port}`)) continue;
    const m = /pid=(\d+)/.exec(line);
    if (m) return Number(m[1]);
  }
  return undefined;
}

export function pidListeningOn(port: number): number | undefined {
  try {
    return parseListenerPid(execFileSync("ss", ["-ltnpH"], { encoding: "utf8" }), port);
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) the process has used so far, or undefined when unreadable. */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const ticks = parseProcStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
    return ticks === undefined ? undefined : ticks / clockTicks();
  } catch {
    return undefined;
  }
}

export function portOf(url: string, fallback: number): number {
  try {
    const port = new URL(url.split(",")[0]!).port;
    return port ? Number(port) : fallback;
  } catch {
    return fallback;
  }
}

export interface ExternalProcess {
  /** "NATS server", "Redis", ... */
  name: string;
  pid: number | undefined;
}

/** The NATS server of NATS_URL (first server), by its port. */
export function natsServerProcess(): ExternalProcess {
  return { name: "NATS server", pid: pidListeningOn(portOf(process.env.NATS_URL ?? "nats://127.0.0.1:4222", 4222)) };
}

export function redisProcess(url = process.env.REDIS_URL ?? "redis://127.0.0.1:6379"): ExternalProcess {
  return { name: "Redis", pid: pidListeningOn(portOf(url, 6379)) };
}

export interface ExternalCpuMark {
  procs: ExternalProcess[];
  seconds: (number | undefined)[];
}

export function markExternal(procs: ExternalProcess[]): ExternalCpuMark {
  return { procs, seconds: procs.map((p) => (p.pid === undefined ? undefined : processCpuSeconds(p.pid))) };
}

/**
 * CPU seconds each process used since `mark`; `undefined` for a process that was not
 * found or could not be read (callers report it as unmeasured rather than as zero).
 */
export function externalSince(mark: ExternalCpuMark): { name: string; seconds: number | undefined }[] {
  return mark.procs.map((p, i) => {
    const before = mark.seconds[i];
    const after = p.pid === undefined ? undefined : processCpuSeconds(p.pid);
    return { name: p.name, seconds: before === undefined || after === undefined ? undefined : Math.max(0, after - before) };
  });
}

/** Sum of the measured seconds; NaN when any process went unmeasured. */
export function totalSeconds(readings: { seconds: number | undefined }[]): number {
  let sum = 0;
  for (const r of readings) {
    if (r.seconds === undefined) return Number.NaN;
    sum += r.seconds;
  }
  return sum;
}
