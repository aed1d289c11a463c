/** bench/lib/load-gate.ts and bench/lib/proc-cpu.ts: the quiet-run gate and server CPU read from /proc. */
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { judgeLoad, parseLoadavg, refusal } from "../../bench/lib/load-gate";
import { parseListenerPid, parseProcStat, pidListeningOn, processCpuSeconds } from "../../bench/lib/proc-cpu";
import { runSection, type BenchRun } from "../../bench/lib/record";

describe("load gate", () => {
  it("reads the 1-minute load from /proc/loadavg", () => {
    expect(parseLoadavg("3.52 2.10 1.05 4/282 14732\n")).toBe(3.52);
    expect(parseLoadavg("garbage")).toBeUndefined();
  });

  it("marks a run that started above 1.5 as not comparable and passes a quiet one", () => {
    expect(judgeLoad(0.4, 1.2)).toEqual({ quiet: true });
    const busy = judgeLoad(3.2, 3.5);
    expect(busy.quiet).toBe(false);
    expect(busy.note).toContain("load 3.2 > 1.5: not a quiet run, figures not comparable");
    expect(judgeLoad(1.5, 1.5).quiet).toBe(true);
    expect(judgeLoad(1.51, 1.5).quiet).toBe(false);
  });

  it("refuses with --require-quiet only above the limit", () => {
    expect(refusal(1.2)).toBeUndefined();
    expect(refusal(4.4)).toContain("refusing");
  });

  it("shows a busy run as such in its BENCHMARKS.md section", () => {
    const run: BenchRun = {
      scenario: "x", title: "x: t", date: "d", commit: "c", command: "npm run bench -- x", machine: "m", versions: "v",
      seconds: 1, load: { before: 3.2, after: 3.4 }, quiet: false, rows: [], notes: [],
    };
    expect(runSection(run)).toContain("NOT a quiet run");
    expect(runSection({ ...run, quiet: true, load: { before: 0.3, after: 0.5 } })).not.toContain("NOT a quiet run");
    // Runs recorded before the gate carry no verdict: their recorded load decides.
    const { quiet: _, ...preGate } = run;
    expect(runSection({ ...preGate, load: { before: 3.5, after: 3.5 } })).toContain("NOT a quiet run");
    expect(runSection({ ...preGate, load: { before: 0.9, after: 2.5 } })).not.toContain("NOT a quiet run");
  });
});

describe("server process CPU from /proc", () => {
  it("parses utime + stime even when the command name holds spaces and parentheses", () => {
    const stat = "2995 (nats server (x)) S 1 2995 2995 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 8 0 1000 1 1";
    expect(parseProcStat(stat)).toBe(325);
    expect(parseProcStat("nonsense")).toBeUndefined();
  });

  it("finds the pid listening on a port in ss output", () => {
    const out = [
      "LISTEN 0 4096 127.0.0.1:14222 0.0.0.0:* users:((\"nats-server\",pid=14703,fd=7))",
      "LISTEN 0 4096 127.0.0.1:4222 0.0.0.0:* users:((\"nats-server\",pid=2995,fd=7))",
    ].join("\n");
    expect(parseListenerPid(out, 4222)).toBe(2995);
    expect(parseListenerPid(out, 6379)).toBeUndefined();
  });

  it("finds this process by a port it listens on and reads CPU it spends", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (server.address() as { port: number }).port;
      expect(pidListeningOn(port)).toBe(process.pid);
      const before = processCpuSeconds(process.pid)!;
      const until = performance.now() + 300;
      let x = 0;
      while (performance.now() < until) x += Math.sqrt(x + 1);
      expect(x).toBeGreaterThan(0);
      expect(processCpuSeconds(process.pid)! - before).toBeGreaterThan(0.1);
    } finally {
      server.close();
    }
  });
});
