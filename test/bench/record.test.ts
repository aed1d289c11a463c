/** bench/lib/record.ts: BENCHMARKS.md keeps the latest run of each benchmark, the history every run. */
import { describe, expect, it } from "vitest";
import { BENCHMARKS_HEADER, latestRuns, withLatestRun, withRun, type BenchHistory, type BenchRun } from "../../bench/lib/record";

function run(title: string, date: string, figure: number): BenchRun {
  return {
    scenario: title.split(":")[0]!,
    title,
    date,
    commit: "abc1234",
    command: `npm run bench -- ${title.split(":")[0]!}`,
    machine: "test machine",
    versions: "Node test",
    seconds: 1.5,
    load: { before: 0.5, after: 1.25 },
    rows: [{ sockets: 1000, rate: figure }],
    notes: [`note ${figure}`],
  };
}

const sections = (md: string) => md.split("\n").filter((l) => l.startsWith("## "));

describe("benchmark records", () => {
  it("appends the first run of a benchmark after the header", () => {
    const md = withLatestRun("", run("a: first", "d1", 1));
    expect(md.startsWith(BENCHMARKS_HEADER)).toBe(true);
    expect(sections(md)).toEqual(["## a: first"]);
    expect(md).toContain("| 1000 | 1 |");
    expect(md).toContain("- Commit: abc1234");
    expect(md).toContain("1-min load average 0.5 before, 1.3 after");
  });

  it("replaces a benchmark's section in place and keeps the others", () => {
    let md = withLatestRun("", run("a: first", "d1", 1));
    md = withLatestRun(md, run("b: second", "d2", 2));
    md = withLatestRun(md, run("c: third", "d3", 3));
    md = withLatestRun(md, run("b: second", "d4", 4));
    expect(sections(md)).toEqual(["## a: first", "## b: second", "## c: third"]);
    expect(md).not.toContain("| 1000 | 2 |");
    expect(md).toContain("| 1000 | 4 |");
    expect(md).toContain("note 1");
    expect(md).toContain("note 3");
    expect(md).not.toContain("note 2");
  });

  it("keeps every run in the history and shows the latest of each in BENCHMARKS.md", () => {
    let history: BenchHistory = { method_changes: [], runs: [] };
    for (const r of [run("a: x", "d1", 1), run("b: y", "d2", 2), run("a: x", "d3", 3)]) history = withRun(history, r);
    expect(history.runs.map((r) => r.date)).toEqual(["d1", "d2", "d3"]);
    const md = latestRuns(history);
    expect(sections(md)).toEqual(["## a: x", "## b: y"]);
    expect(md).toContain("- Date: d3");
    expect(md).not.toContain("- Date: d1");
  });
});
