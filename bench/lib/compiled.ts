/**
 * Server children started from one compiled ES module (esbuild, as scripts/build/bundle.mjs
 * builds the production image: workspace packages bundled in, npm packages imported from
 * node_modules) and run with plain `node`, so a restart measures the server's start-up and
 * not tsx compiling TypeScript. BENCH_CHILDREN_TSX=1 runs them through tsx instead.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const OUT_DIR = fileURLToPath(new URL("../results/compiled", import.meta.url));
const builds = new Map<string, Promise<string>>();

/** The path to fork for `entry` (a .ts module), and whether it still needs tsx. */
export async function compiledChild(entry: string): Promise<{ path: string; tsx: boolean }> {
  if (process.env.BENCH_CHILDREN_TSX === "1") return { path: entry, tsx: true };
  let out = builds.get(entry);
  if (!out) {
    const outfile = path.join(OUT_DIR, `${path.basename(entry, ".ts")}.mjs`);
    out = build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "warning",
      plugins: [
        {
          name: "externals",
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@socketpot/") ? undefined : { path: args.path, external: true }));
          },
        },
      ],
      banner: { js: 'import { createRequire as __benchRequire } from "node:module"; const require = __benchRequire(import.meta.url);' },
    }).then(() => outfile);
    builds.set(entry, out);
  }
  return { path: await out, tsx: false };
}
