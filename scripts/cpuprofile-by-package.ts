/**
 * Self time of a V8 .cpuprofile (node --cpu-prof) by package: node_modules packages by name,
 * the repository's own code by workspace folder (services/gateway, libs/service-kit, ...),
 * Node's own JavaScript as "node:<module>", and V8's pseudo-frames ((garbage collector),
 * (program), (idle)). Idle time is left out of the percentages.
 *
 *   npx tsx scripts/cpuprofile-by-package.ts <file.cpuprofile ...> [--top 15] [--functions 15]
 *
 * Several files are summed (one gateway process per storm).
 */
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package a frame's code belongs to. */
export function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) {
    const parts = url.slice(nm + "/node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const own = /\/(services|libs|bench|scripts|test)\/([^/]+)\//.exec(url);
  if (own) return own[1] === "services" || own[1] === "libs" ? `${own[1]}/${own[2]}` : own[1]!;
  return url.replace(/^file:\/\//, "");
}

function main(argv: string[]): void {
  const files: string[] = [];
  let top = 15;
  let functions = 15;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--top") top = Number(argv[++i]);
    else if (a === "--functions") functions = Number(argv[++i]);
    else files.push(a);
  }
  if (files.length === 0) throw new Error("usage: cpuprofile-by-package.ts <file.cpuprofile ...> [--top N] [--functions N]");
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    for (let i = 0; i < profile.samples.length; i++) {
      const frame = nodes.get(profile.samples[i]!);
      const dt = profile.timeDeltas[i] ?? 0;
      if (!frame || frame.functionName === "(idle)") continue;
      const pkg = packageOf(frame);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
      const fn = `${frame.functionName || "(anonymous)"} ${pkg}${frame.url ? `:${frame.lineNumber + 1}` : ""}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
      total += dt;
    }
  }
  const print = (title: string, m: Map<string, number>, n: number) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(7)} ms  ${k}`);
    }
  };
  console.log(`${files.length} profile(s), ${(total / 1000).toFixed(0)} ms busy (idle excluded)`);
  print("self time by package", byPackage, top);
  if (functions > 0) print("self time by function", byFunction, functions);
}

main(process.argv.slice(2));
