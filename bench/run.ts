/**
 * Benchmark runner: `npm run bench -- <scenario|all|list> [--flags]`.
 *
 * Discovers scenarios in bench/scenarios/, runs one (or all, one after another), prints the
 * result table and appends a section to docs/BENCHMARKS.md with the machine, the versions,
 * the date and the exact command. Runner flags: --out <file> (default docs/BENCHMARKS.md),
 * --no-write (print only), --max-seconds <n> (deadline per scenario, default 1800).
 * Every other flag is passed to the scenario.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { collectFacts, type Facts } from "./lib/facts";
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

function cell(value: string | number): string {
  return String(value).replaceAll("|", "\\|").replaceAll("\n", " ");
}

function markdownTable(rows: Record<string, string | number>[]): string {
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

function loadText(before: number[], after: number[]): string {
  return `1-min load average ${before[0]!.toFixed(1)} before, ${after[0]!.toFixed(1)} after (every process on the machine shares its cores)`;
}

function section(result: ScenarioResult, facts: Facts, command: string, seconds: number, load: string): string {
  const parts = [
    `## ${result.title}`,
    "",
    `- Date: ${facts.date}`,
    `- Command: \`${command}\``,
    `- Machine: ${facts.cpu}, ${facts.cores} cores, ${facts.memory} RAM, ${facts.os}`,
    `- Versions: Node ${facts.node}, socket.io ${facts.socketIo}, socket.io-client ${facts.socketIoClient}, @nats-io/transport-node ${facts.natsClient}, NATS server ${facts.natsServer}`,
    `- Run time: ${seconds.toFixed(1)} s; ${load}`,
    "",
    markdownTable(result.rows),
  ];
  if (result.notes && result.notes.length > 0) parts.push(...result.notes.map((n) => `- ${n}`), "");
  return `${parts.join("\n")}\n`;
}

const HEADER = `# Benchmarks

Sections below are appended by \`npm run bench -- <scenario> [--flags]\`, newest last. Each
scenario measures Socketpot against a bare socket.io 4 server doing the same socket work
(no NATS, no auth, no database) in the same run; ratios are to that baseline. See
[CAPACITY.md](CAPACITY.md) for what the figures mean for sizing.

`;

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
  const write = flags["no-write"] === undefined;
  const maxSeconds = Number(flags["max-seconds"] ?? 1800);
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const command = `npm run bench -- ${argv.join(" ")}`.trim();
  const scenarioFlags = Object.fromEntries(Object.entries(flags).filter(([k]) => !["out", "no-write", "max-seconds"].includes(k)));
  let failures = 0;

  for (const scenario of chosen) {
    console.error(`[bench] ${scenario.name}: ${scenario.description}`);
    const started = performance.now();
    const loadBefore = os.loadavg();
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
    const text = section(result, facts, command, seconds, loadText(loadBefore, os.loadavg()));
    console.log(text);
    if (write) {
      mkdirSync(path.dirname(out), { recursive: true });
      if (!existsSync(out)) writeFileSync(out, HEADER);
      appendFileSync(out, text);
      const resultsDir = path.join(here, "results");
      mkdirSync(resultsDir, { recursive: true });
      writeFileSync(
        path.join(resultsDir, `${facts.date.replaceAll(":", "-")}-${scenario.name}.json`),
        JSON.stringify({ scenario: scenario.name, command, facts, seconds, ...result }, null, 2),
      );
      console.error(`[bench] appended to ${path.relative(root, out)}`);
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
