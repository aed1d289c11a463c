import { describe, expect, it } from "vitest";
import { RestartPolicy } from "../../scripts/dev/restart-policy";
import { showInTerminal } from "../../scripts/dev/log-filter";

describe("RestartPolicy", () => {
  it("doubles the delay with each quick crash up to the maximum", () => {
    const policy = new RestartPolicy({ initialMs: 500, maxMs: 4_000, stableMs: 60_000 });
    expect([1, 2, 3, 4, 5, 6].map(() => policy.delayAfter(100))).toEqual([500, 1_000, 2_000, 4_000, 4_000, 4_000]);
  });

  it("starts over after a run that lasted long enough", () => {
    const policy = new RestartPolicy({ initialMs: 500, maxMs: 30_000, stableMs: 60_000 });
    policy.delayAfter(10);
    policy.delayAfter(10);
    expect(policy.delayAfter(60_000)).toBe(500);
    expect(policy.delayAfter(10)).toBe(1_000);
  });
});

describe("showInTerminal", () => {
  it("shows pino lines at the level or above, and every line that is not pino JSON", () => {
    expect(showInTerminal('{"level":30,"msg":"partition taken"}', 40)).toBe(false);
    expect(showInTerminal('{"level":40,"msg":"slow"}', 40)).toBe(true);
    expect(showInTerminal('{"level":50,"msg":"failed"}', 40)).toBe(true);
    expect(showInTerminal("    at Object.<anonymous> (/x.ts:1:1)", 40)).toBe(true);
    expect(showInTerminal("", 40)).toBe(false);
  });
});
