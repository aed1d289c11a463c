/**
 * The machine-load gate every benchmark run goes through (applied by bench/run.ts): the
 * 1-minute load average before and after the run, and whether the run started on a quiet
 * machine. A run that starts above the limit is refused (`--require-quiet`) or recorded
 * with a note saying its figures are not comparable. Pure apart from `readLoad`.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

export const QUIET_LOAD_LIMIT = 1.5;

/** The 1-minute load average from the text of /proc/loadavg. */
export function parseLoadavg(text: string): number | undefined {
  const first = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(first) ? first : undefined;
}

export function readLoad(): number {
  try {
    const load = parseLoadavg(readFileSync("/proc/loadavg", "utf8"));
    if (load !== undefined) return load;
  } catch {
    // not Linux: fall back to os.loadavg()
  }
  return os.loadavg()[0]!;
}

export interface LoadVerdict {
  quiet: boolean;
  /** Set when the run is not quiet: the note the record carries. */
  note?: string;
}

/** Whether a run that started at `before` (and ended at `after`) counts as a quiet run. */
export function judgeLoad(before: number, after: number | undefined, limit = QUIET_LOAD_LIMIT): LoadVerdict {
  if (before <= limit) {
    if (after !== undefined && after > limit * 2) {
      return { quiet: true, note: `load rose to ${after.toFixed(1)} during the run (started at ${before.toFixed(1)}): part of it may be the run's own processes` };
    }
    return { quiet: true };
  }
  return { quiet: false, note: `load ${before.toFixed(1)} > ${limit}: not a quiet run, figures not comparable (1-min load when the run started)` };
}

/** The refusal message when `--require-quiet` is given and the machine is busy. */
export function refusal(before: number, limit = QUIET_LOAD_LIMIT): string | undefined {
  return before > limit ? `1-min load ${before.toFixed(1)} > ${limit}: refusing to run with --require-quiet (wait for a quiet machine)` : undefined;
}
