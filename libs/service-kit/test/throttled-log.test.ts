import { describe, expect, it } from "vitest";
import { ThrottledLog } from "../src/throttled-log";

describe("ThrottledLog", () => {
  it("writes at most perMinute lines a minute and reports how many it held back", () => {
    let t = 0;
    const lines: Array<Record<string, unknown>> = [];
    const log = new ThrottledLog(3, (f) => lines.push(f), () => t);
    for (let i = 0; i < 10; i++) log.log({ i }, "bad");
    expect(lines).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    t = 59_999;
    expect(log.log({ i: 10 }, "bad")).toBe(false);
    t = 60_000;
    expect(log.log({ i: 11 }, "bad")).toBe(true);
    expect(lines[3]).toEqual({ i: 11, suppressed: 8 });
  });

  it("writes nothing when the limit is 0", () => {
    const lines: unknown[] = [];
    const log = new ThrottledLog(0, (f) => lines.push(f), () => 0);
    log.log({}, "x");
    expect(lines).toEqual([]);
  });
});
