/**
 * Mute durations as moderators type them: `10 mins`, `8 minutes`, `30m`, `1h`, `2 hours`,
 * `2d`, `45s`, `1 week`. A bare number means minutes. Pure: no I/O, no clock.
 */

export type DurationUnit = "second" | "minute" | "hour" | "day" | "week";

export interface Duration {
  /** The number as typed. */
  amount: number;
  unit: DurationUnit;
  /** Total length in seconds. */
  seconds: number;
}

export type DurationResult = { ok: true; duration: Duration } | { ok: false; reason: string };

const UNIT_SECONDS: Record<DurationUnit, number> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  week: 604_800,
};

const UNIT_ALIASES: Record<string, DurationUnit> = {
  s: "second",
  sec: "second",
  secs: "second",
  second: "second",
  seconds: "second",
  m: "minute",
  min: "minute",
  mins: "minute",
  minute: "minute",
  minutes: "minute",
  h: "hour",
  hr: "hour",
  hrs: "hour",
  hour: "hour",
  hours: "hour",
  d: "day",
  day: "day",
  days: "day",
  w: "week",
  wk: "week",
  wks: "week",
  week: "week",
  weeks: "week",
};

/** Unit words accepted after the number (for the command grammar and the docs). */
export const DURATION_UNIT_WORDS = Object.freeze(Object.keys(UNIT_ALIASES));

export interface DurationLimits {
  /** Longest duration accepted, in seconds. */
  maxSeconds: number;
}

const DURATION_PATTERN = /^(\d{1,9})\s*([a-z]*)$/;

/** Parse one duration (`"10 mins"`, `"30m"`, `"2d"`, `"15"`). Case-insensitive. */
export function parseDuration(input: string, limits: DurationLimits): DurationResult {
  const text = input.trim().toLowerCase();
  if (text === "") return { ok: false, reason: "the duration is empty" };
  const match = DURATION_PATTERN.exec(text);
  if (!match) {
    return { ok: false, reason: `"${input.trim()}" is not a duration like 10m, 10 mins, 2h, 1d or 45s` };
  }
  const amount = Number(match[1]);
  const unitWord = match[2] ?? "";
  const unit: DurationUnit | undefined = unitWord === "" ? "minute" : UNIT_ALIASES[unitWord];
  if (!unit) return { ok: false, reason: `"${unitWord}" is not a duration unit (use s, m, h, d or w)` };
  if (amount <= 0) return { ok: false, reason: "the duration must be greater than zero" };
  const seconds = amount * UNIT_SECONDS[unit];
  if (seconds > limits.maxSeconds) {
    return { ok: false, reason: `the duration can be at most ${formatSeconds(limits.maxSeconds)}` };
  }
  return { ok: true, duration: { amount, unit, seconds } };
}

/** `10 minutes`, `1 hour`, `45 seconds`: the number as typed, the unit spelled out. */
export function formatDuration(duration: Pick<Duration, "amount" | "unit">): string {
  return `${duration.amount} ${duration.unit}${duration.amount === 1 ? "" : "s"}`;
}

/** Express a number of seconds in the largest unit that divides it exactly. */
export function durationFromSeconds(seconds: number): Duration {
  const units: DurationUnit[] = ["week", "day", "hour", "minute", "second"];
  for (const unit of units) {
    const size = UNIT_SECONDS[unit];
    if (seconds % size === 0) return { amount: seconds / size, unit, seconds };
  }
  return { amount: seconds, unit: "second", seconds };
}

export function formatSeconds(seconds: number): string {
  return formatDuration(durationFromSeconds(seconds));
}
