/**
 * Load-insensitive costs of a run, read from outside the processes (CPU time is
 * `proc-cpu.ts`): the write system calls of a local process (Linux `/proc/<pid>/io`) and the
 * messages one NATS connection sent and received (the server's monitoring endpoint,
 * `/connz`). Each reading is undefined
 * when the source is not available (another OS, no monitoring port): a scenario then reports
 * nothing rather than a wrong figure.
 */
import { readFileSync } from "node:fs";

/** Write system calls (`syscw` of `/proc/<pid>/io`) the process `pid` has made so far. */
export function writeCalls(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^syscw:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Messages a connection published to the server (`sent`) and got from it (`received`). */
export type ConnMessages = { sent: number; received: number };

/** Per connection name, summed over the connections of that name, from `<monitor>/connz`. */
export async function connMessages(monitorUrl: string | undefined, names: string[]): Promise<Map<string, ConnMessages> | undefined> {
  if (monitorUrl === undefined) return undefined;
  try {
    const res = await fetch(`${monitorUrl.replace(/\/$/, "")}/connz?limit=10000`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { connections?: Array<{ name?: string; in_msgs?: number; out_msgs?: number }> };
    const out = new Map<string, ConnMessages>();
    for (const c of body.connections ?? []) {
      if (c.name === undefined || !names.includes(c.name)) continue;
      const prev = out.get(c.name) ?? { sent: 0, received: 0 };
      // The server's view: `in_msgs` came in from the client, `out_msgs` went out to it.
      out.set(c.name, { sent: prev.sent + (c.in_msgs ?? 0), received: prev.received + (c.out_msgs ?? 0) });
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Per-event cost between two readings, rounded; undefined when either reading is missing. */
export function perEvent(before: number | undefined, after: number | undefined, events: number, scale = 1): number | undefined {
  if (before === undefined || after === undefined || events <= 0) return undefined;
  return Number((((after - before) * scale) / events).toFixed(2));
}
