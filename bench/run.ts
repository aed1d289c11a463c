/**
 * Benchmark runner: `npm run bench -- <scenario|all|list> [--flags]`.
 *
 * Discovers scenarios in bench/scenarios/, runs one (or all, one after another), prints the
 * result table, replaces the benchmark's section of docs/BENCHMARKS.md with it (machine,
 * versions, date, commit, exact command, machine load) and adds the run to
 * docs/benchmarks-history.json (lib/record.ts). Runner flags: --out <file> (default
 * docs/BENCHMARKS.md), --history <file> (default docs/benchmarks-history.json), --no-write
 * (print only), --max-seconds <n> (deadline per scenario, default 1800), --require-quiet
 * (refuse to start a scenario while the 1-minute load is above 1.5). Every run records the
 * load before and after (lib/load-gate.ts); a run that started above 1.5 is marked as not
 * comparable in its record. Every other flag is passed to the scenario.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { collectFacts, type Facts } from "./lib/facts";
import { judgeLoad, readLoad, refusal } from "./lib/load-gate";
import { withLatestRun, withRun, runSection, type BenchHistory, type BenchRun } from "./lib/record";
import { isScenario, type Scenario, type ScenarioResult } from "./lib/types";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");

function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string> } {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    const body = a.slice(2);
    const eq = body.indexOf("=");
    if (eq >= 0) {
      flags[body.slice(0, eq)] = body.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith("--")) {
      flags[body] = argv[++i]!;
    } else {
      flags[body] = "true";
    }
  }
  return { positional, flags };
}

async function discover(): Promise<{ scenarios: Map<string, Scenario>; broken: string[] }> {
  const dir = path.join(here, "scenarios");
  const scenarios = new Map<string, Scenario>();
  const broken: string[] = [];
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith(".d.ts")).sort() : [];
  for (const file of files) {
    try {
      const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { default?: unknown };
      if (!isScenario(mod.default)) {
        broken.push(`${file}: default export is not { name, description, run }`);
        continue;
      }
      scenarios.set(mod.default.name, mod.default);
    } catch (err) {
      broken.push(`${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return { scenarios, broken };
}

/** The commit being measured, `+dirty` with uncommitted changes (other than earlier runs' records); null outside a git checkout. */
function currentCommit(): string | null {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs/BENCHMARKS.md", ":!docs/benchmarks-history.json"], { cwd: root, encoding: "utf8" }).trim() !== "";
    return dirty ? `${commit}+dirty` : commit;
  } catch {
    return null;
  }
}

function benchRun(scenario: string, result: ScenarioResult, facts: Facts, command: string, seconds: number, load: BenchRun["load"]): BenchRun {
  const verdict = judgeLoad(load.before, load.after);
  return {
    scenario,
    title: result.title,
    date: facts.date,
    commit: currentCommit(),
    command,
    machine: `${facts.cpu}, ${facts.cores} cores, ${facts.memory} RAM, ${facts.os}`,
    versions: `Node ${facts.node}, socket.io ${facts.socketIo}, socket.io-client ${facts.socketIoClient}, @nats-io/transport-node ${facts.natsClient}, NATS server ${facts.natsServer}`,
    seconds: Math.round(seconds * 10) / 10,
    load,
    quiet: verdict.quiet,
    rows: result.rows,
    notes: [...(verdict.note ? [verdict.note] : []), ...(result.notes ?? [])],
  };
}

function record(run: BenchRun, out: string, historyFile: string): void {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, withLatestRun(existsSync(out) ? readFileSync(out, "utf8") : "", run));
  const history: BenchHistory = existsSync(historyFile) ? (JSON.parse(readFileSync(historyFile, "utf8")) as BenchHistory) : { method_changes: [], runs: [] };
  writeFileSync(historyFile, `${JSON.stringify(withRun(history, run), null, 2)}\n`);
}

function withDeadline<T>(promise: Promise<T>, seconds: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} exceeded ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { positional, flags } = parseArgs(argv);
  const { scenarios, broken } = await discover();
  const target = positional[0] ?? "list";
  for (const b of broken) console.error(`[bench] skipped scenario module ${b}`);

  if (target === "list" || target === "help" || flags.help) {
    console.log("usage: npm run bench -- <scenario|all> [--flags]\n\nscenarios:");
    for (const s of scenarios.values()) console.log(`  ${s.name.padEnd(18)} ${s.description}`);
    return 0;
  }
  const chosen = target === "all" ? [...scenarios.values()] : [scenarios.get(target)].filter((s): s is Scenario => s !== undefined);
  if (chosen.length === 0) {
    console.error(`[bench] unknown scenario "${target}"; known: ${[...scenarios.keys()].join(", ") || "none"}`);
    return 2;
  }

  const out = path.resolve(root, flags.out ?? "docs/BENCHMARKS.md");
  const historyFile = path.resolve(root, flags.history ?? "docs/benchmarks-history.json");
  const write = flags["no-write"] === undefined;
  const maxSeconds = Number(flags["max-seconds"] ?? 1800);
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const command = `npm run bench -- ${argv.join(" ")}`.trim();
  const scenarioFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => !["out", "history", "no-write", "max-seconds", "require-quiet"].includes(k)));
  let failures = 0;

  for (const scenario of chosen) {
    console.error(`[bench] ${scenario.name}: ${scenario.description}`);
    const loadBefore = readLoad();
    const refused = flags["require-quiet"] !== undefined ? refusal(loadBefore) : undefined;
    if (refused) {
      failures += 1;
      console.error(`[bench] ${scenario.name}: ${refused}`);
      continue;
    }
    const started = performance.now();
    let result: ScenarioResult;
    try {
      result = await withDeadline(scenario.run({ ...scenarioFlags }), maxSeconds, scenario.name);
    } catch (err) {
      failures += 1;
      console.error(`[bench] ${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      continue;
    }
    const seconds = (performance.now() - started) / 1000;
    const facts = await collectFacts(natsUrl);
    const load = { before: Math.round(loadBefore * 100) / 100, after: Math.round(readLoad() * 100) / 100 };
    const run = benchRun(scenario.name, result, facts, command, seconds, load);
    console.log(runSection(run));
    if (write) {
      record(run, out, historyFile);
      const resultsDir = path.join(here, "results");
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(
        path.join(resultsDir, `${facts.date.replaceAll(":", "-")}-${scenario.name}.json`),
        JSON.stringify({ scenario: scenario.name, command, facts, seconds, ...result }, null, 2),
      );
      console.error(`[bench] wrote ${path.relative(root, out)} and ${path.relative(root, historyFile)}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
