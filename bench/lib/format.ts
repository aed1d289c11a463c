/** Number formatting and argument helpers shared by scenarios. */

export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value < 10 ? `${value.toFixed(2)} ms` : value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`;
}

export function bytes(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const abs = Math.abs(value);
  if (abs >= 1024 * 1024 * 1024) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
  if (abs >= 1024 * 1024) return `${(value / 1024 ** 2).toFixed(1)} MiB`;
  if (abs >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

/** `value / baseline` as "0.62x"; n/a when the baseline is missing or zero. */
export function ratio(value: number, baseline: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return "n/a";
  return `${(value / baseline).toFixed(2)}x`;
}

export function pct(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : "n/a";
}

/** Errors tally as "auth:timeout=3, connect_error:x=1" (or "none"). */
export function tally(counts: Record<string, number>, skip: (key: string) => boolean = () => false): string {
  const parts = Object.entries(counts)
    .filter(([k, v]) => v > 0 && !skip(k))
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? "none" : parts.join(", ");
}

export function intArg(args: Record<string, string>, key: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = args[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} must be an integer in [${min}, ${max}], got ${raw}`);
  return n;
}

export function intListArg(args: Record<string, string>, key: string, fallback: number[], min = 1, max = 100_000): number[] {
  const raw = args[key];
  if (raw === undefined || raw === "") return fallback;
  const list = raw.split(",").map((s) => Number(s.trim()));
  for (const n of list) {
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${key} takes integers in [${min}, ${max}], got ${raw}`);
  }
  return list;
}
