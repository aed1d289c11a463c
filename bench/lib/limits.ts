/** Process limits that bound how many sockets one server process can hold here. */
import { execFileSync } from "node:child_process";

/** The soft RLIMIT_NOFILE children inherit (one fd per socket), or undefined if unknown. */
export function openFilesLimit(): number | undefined {
  try {
    const out = execFileSync("/bin/sh", ["-c", "ulimit -n"], { encoding: "utf8", timeout: 5000 }).trim();
    const n = Number(out);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Sockets one server process can hold, leaving room for its other descriptors. */
export function maxSocketsPerProcess(reserve = 400): number {
  const limit = openFilesLimit();
  return limit === undefined ? 100_000 : Math.max(0, limit - reserve);
}
