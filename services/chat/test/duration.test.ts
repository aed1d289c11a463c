import { describe, expect, it } from "vitest";
import { durationFromSeconds, formatDuration, formatSeconds, parseDuration } from "../src/commands/duration";

const limits = { maxSeconds: 30 * 86_400 };

function seconds(text: string): number {
  const parsed = parseDuration(text, limits);
  if (!parsed.ok) throw new Error(`expected ${text} to parse: ${parsed.reason}`);
  return parsed.duration.seconds;
}

describe("parseDuration", () => {
  it.each([
    ["10 mins", 600],
    ["8 minutes", 480],
    ["1 minute", 60],
    ["30m", 1800],
    ["30 m", 1800],
    ["1h", 3600],
    ["2 hours", 7200],
    ["3hrs", 10_800],
    ["2d", 172_800],
    ["1 day", 86_400],
    ["45s", 45],
    ["45 secs", 45],
    ["90 seconds", 90],
    ["1w", 604_800],
    ["2 weeks", 1_209_600],
    ["15", 900],
    ["  10 MINS ", 600],
    ["10Mins", 600],
  ])("%s is %d seconds", (text, expected) => {
    expect(seconds(text)).toBe(expected);
  });

  it.each(["", "abc", "10 parsecs", "ten minutes", "-5m", "1.5h", "10 m s", "m10", "10 minutes please"])(
    "rejects %j",
    (text) => {
      expect(parseDuration(text, limits).ok).toBe(false);
    },
  );

  it("rejects zero", () => {
    const parsed = parseDuration("0m", limits);
    expect(parsed).toEqual({ ok: false, reason: "the duration must be greater than zero" });
  });

  it("rejects durations above the limit and names the limit", () => {
    const parsed = parseDuration("31d", limits);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain("30 days");
    expect(seconds("30d")).toBe(30 * 86_400);
  });

  it("keeps the typed amount and unit", () => {
    const parsed = parseDuration("90m", limits);
    expect(parsed).toEqual({ ok: true, duration: { amount: 90, unit: "minute", seconds: 5400 } });
  });
});

describe("formatDuration", () => {
  it("spells out the unit, singular for one", () => {
    expect(formatDuration({ amount: 10, unit: "minute" })).toBe("10 minutes");
    expect(formatDuration({ amount: 1, unit: "hour" })).toBe("1 hour");
    expect(formatDuration({ amount: 45, unit: "second" })).toBe("45 seconds");
  });

  it("expresses seconds in the largest exact unit", () => {
    expect(durationFromSeconds(600)).toEqual({ amount: 10, unit: "minute", seconds: 600 });
    expect(durationFromSeconds(86_400)).toEqual({ amount: 1, unit: "day", seconds: 86_400 });
    expect(formatSeconds(2_592_000)).toBe("30 days");
    expect(formatSeconds(61)).toBe("61 seconds");
  });
});
