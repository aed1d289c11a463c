/**
 * How benchmark runs are kept: docs/BENCHMARKS.md shows the latest run of each benchmark (one
 * section per title, replaced in place by the next run), and docs/benchmarks-history.json
 * holds every run, one object each. Pure: the runner reads and writes the files.
 */
import type { ScenarioResult } from "./types";

export interface BenchRun {
  scenario: string;
  title: string;
  /** ISO 8601, when the run ended. */
  date: string;
  /** The commit the run measured (`+dirty` with uncommitted changes), or null when not recorded. */
  commit: string | null;
  command: string;
  machine: string;
  versions: string;
  seconds: number;
  /** 1-min load average before and after the run: every process on the machine shares its cores. */
  load: { before: number; after: number };
  /** False when the run started above the quiet-load limit (lib/load-gate.ts): its figures are not comparable. Absent in runs recorded before the gate. */
  quiet?: boolean;
  rows: ScenarioResult["rows"];
  notes: string[];
}

export interface BenchHistory {
  /** What changed in how benchmarks measure, and which earlier runs that makes incomparable. */
  method_changes: { date: string; scenarios: string[]; change: string }[];
  runs: BenchRun[];
}

export const BENCHMARKS_HEADER = `# Benchmarks

The latest run of each benchmark, written by \`npm run bench -- <scenario> [--flags]\`: the
next run of the same benchmark replaces its section. Every run, older ones included, is
in [benchmarks-history.json](benchmarks-history.json) (one object per run: scenario, date,
commit, command, machine load, figures), together with the method changes that make
earlier runs incomparable. Each scenario measures Socketpot against a bare socket.io 4
server doing the same socket work (no NATS, no auth, no database) in the same run; ratios
are to that baseline. A run that started with the 1-minute load above 1.5 is marked "NOT a
quiet run": its figures are not comparable with other runs'. Cite a figure with its run
(date, commit, command). See [CAPACITY.md](CAPACITY.md) for what the figures mean for sizing
and [bench/README.md](../bench/README.md) for the scenarios and their flags.
`;

function cell(value: string | number): string {
  return String(value).replaceAll("|", "\\|").replaceAll("\n", " ");
}

export function markdownTable(rows: ScenarioResult["rows"]): string {
  if (rows.length === 0) return "_(no rows)_\n";
  const columns: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const lines = [
    `| ${columns.map(cell).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${columns.map((c) => cell(r[c] ?? "")).join(" | ")} |`),
  ];
  return `${lines.join("\n")}\n`;
}

/** Whether the run started above the quiet-load limit; runs recorded before the gate are judged by their recorded load. */
export function notQuiet(run: BenchRun): boolean {
  return run.quiet === undefined ? run.load.before > 1.5 : !run.quiet;
}

export function runSection(run: BenchRun): string {
  const parts = [
    `## ${run.title}`,
    "",
    `- Date: ${run.date}`,
    `- Commit: ${run.commit ?? "not recorded"}`,
    `- Command: \`${run.command}\``,
    `- Machine: ${run.machine}`,
    `- Versions: ${run.versions}`,
    `- Run time: ${run.seconds.toFixed(1)} s; 1-min load average ${run.load.before.toFixed(1)} before, ${run.load.after.toFixed(1)} after (every process on the machine shares its cores)${notQuiet(run) ? "; NOT a quiet run (started above 1.5): figures not comparable" : ""}`,
    "",
    markdownTable(run.rows),
  ];
  if (run.notes.length > 0) parts.push(...run.notes.map((n) => `- ${n}`), "");
  return `${parts.join("\n")}\n`;
}

/** `markdown` with the section of `run.title` replaced by `run`'s, or appended when there is none. */
export function withLatestRun(markdown: string, run: BenchRun): string {
  const text = markdown.trim() === "" ? BENCHMARKS_HEADER : markdown;
  const at = text.indexOf(`\n## ${run.title}\n`);
  if (at < 0) return `${text.replace(/\n*$/, "\n\n")}${runSection(run)}`;
  const next = text.indexOf("\n## ", at + 1);
  return `${text.slice(0, at + 1)}${runSection(run)}${next < 0 ? "" : text.slice(next + 1)}`;
}

/** The history with `run` added, oldest run first. */
export function withRun(history: BenchHistory, run: BenchRun): BenchHistory {
  return { ...history, runs: [...history.runs, run] };
}

/** BENCHMARKS.md as it follows from the history: the latest run of each title, in the order titles first appeared. */
export function latestRuns(history: BenchHistory): string {
  return history.runs.reduce((md, run) => withLatestRun(md, run), BENCHMARKS_HEADER);
}
