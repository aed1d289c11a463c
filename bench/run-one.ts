/**
 * Runs one benchmark scenario and prints its table as Markdown:
 *   npx tsx bench/run-one.ts chat-fanout sizes=1000,5000
 * (`npm run bench -- <scenario>` runs the same scenarios through the bench runner.)
 */
interface Scenario {
  name: string;
  description: string;
  run(args: Record<string, string>): Promise<{ title: string; rows: Record<string, string | number>[]; notes?: string[] }>;
}

export {};

const [scenarioName, ...rest] = process.argv.slice(2);
if (!scenarioName || !/^[a-z0-9-]+$/.test(scenarioName)) {
  console.error("usage: tsx bench/run-one.ts <scenario> [key=value ...]");
  process.exit(2);
}
const args = Object.fromEntries(
  rest.map((kv) => {
    const i = kv.indexOf("=");
    return i < 0 ? [kv, "true"] : [kv.slice(0, i), kv.slice(i + 1)];
  }),
);
const scenario = ((await import(`./scenarios/${scenarioName}.ts`)) as { default: Scenario }).default;
console.error(`# ${scenario.name}: ${scenario.description}`);
const result = await scenario.run(args);
const columns = [...new Set(result.rows.flatMap((r) => Object.keys(r)))];
const lines = [
  `### ${result.title}`,
  "",
  `| ${columns.join(" | ")} |`,
  `| ${columns.map(() => "---").join(" | ")} |`,
  ...result.rows.map((r) => `| ${columns.map((c) => String(r[c] ?? "")).join(" | ")} |`),
];
if (result.notes?.length) lines.push("", ...result.notes.map((n) => `- ${n}`));
console.log(lines.join("\n"));
process.exit(0);
