/**
 * Runs one benchmark scenario and prints its table: `npx tsx bench/run-one.ts <scenario> [--flag value ...]`.
 * (The full runner, `npm run bench`, also records results in docs/BENCHMARKS.md.)
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.error("usage: npx tsx bench/run-one.ts <scenario> [--flag value ...]");
  process.exit(2);
}
const args: Record<string, string> = {};
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (!a.startsWith("--")) continue;
  const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
  args[k] = v ?? (rest[i + 1] && !rest[i + 1]!.startsWith("--") ? rest[++i]! : "true");
}
const here = path.dirname(fileURLToPath(import.meta.url));
const mod = (await import(pathToFileURL(path.join(here, "scenarios", `${name}.ts`)).href)) as {
  default: { run(a: Record<string, string>): Promise<{ title: string; rows: Record<string, string | number>[]; notes?: string[] }> };
};
const started = performance.now();
const result = await mod.default.run(args);
const columns = [...new Set(result.rows.flatMap((r) => Object.keys(r)))];
console.log(`## ${result.title}\n`);
console.log(`| ${columns.join(" | ")} |`);
console.log(`| ${columns.map(() => "---").join(" | ")} |`);
for (const r of result.rows) console.log(`| ${columns.map((c) => String(r[c] ?? "")).join(" | ")} |`);
console.log();
for (const n of result.notes ?? []) console.log(`- ${n}`);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
