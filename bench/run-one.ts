/**
 * Runs one scenario and prints its table: `npx tsx bench/run-one.ts <scenario> [--flag value ...]`.
 * (`npm run bench -- <scenario>` does the same and also records the result.)
 */
import { pathToFileURL, fileURLToPath } from "node:url";
import path from "node:path";

const [name, ...rest] = process.argv.slice(2);
if (!name) {
  console.error("usage: tsx bench/run-one.ts <scenario> [--flag value ...]");
  process.exit(2);
}
const args: Record<string, string> = {};
for (let i = 0; i < rest.length; i++) {
  const a = rest[i]!;
  if (!a.startsWith("--")) continue;
  const next = rest[i + 1];
  if (next !== undefined && !next.startsWith("--")) {
    args[a.slice(2)] = next;
    i++;
  } else args[a.slice(2)] = "true";
}
const file = path.join(path.dirname(fileURLToPath(import.meta.url)), "scenarios", `${name}.ts`);
const mod = (await import(pathToFileURL(file).href)) as {
  default: { run(a: Record<string, string>): Promise<{ title: string; rows: Record<string, string | number>[]; notes?: string[] }> };
};
const started = Date.now();
const result = await mod.default.run(args);
console.log(`\n## ${result.title}\n`);
const cols: string[] = [];
for (const r of result.rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
console.log(`| ${cols.join(" | ")} |`);
console.log(`| ${cols.map(() => "---").join(" | ")} |`);
for (const r of result.rows) console.log(`| ${cols.map((c) => String(r[c] ?? "")).join(" | ")} |`);
for (const n of result.notes ?? []) console.log(`\n- ${n}`);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(0);
