// Compiles each service's entry point, the migrations runner and the CLI to one ES module
// per entry (esbuild): the workspace packages (TypeScript) are bundled in, every npm package
// stays an import of node_modules, and Prisma's generated client is loaded from where
// `prisma generate` put it. The production image runs these with plain `node`.
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../..", import.meta.url));
const entries = [
  ["services/gateway/src/main.ts", "services/gateway/dist/main.js"],
  ["services/chat/src/main.ts", "services/chat/dist/main.js"],
  ["services/chat/src/migrate-main.ts", "services/chat/dist/migrate.js"],
  ["services/wallet-watcher/src/main.ts", "services/wallet-watcher/dist/main.js"],
  ["services/bet-stream/src/main.ts", "services/bet-stream/dist/main.js"],
  ["services/api/src/main.ts", "services/api/dist/main.js"],
  ["scripts/cli.ts", "scripts/dist/cli.js"],
];

/** npm packages stay external (node_modules of the image). */
const externals = {
  name: "socketpot-externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@socketpot/") ? undefined : { path: args.path, external: true }));
  },
};

for (const [entry, outfile] of entries) {
  const out = path.join(root, outfile);
  const result = await build({
    entryPoints: [path.join(root, entry)],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [
      // The generated Prisma client (CommonJS with a Wasm file beside it) is imported from its folder.
      {
        name: "relative-generated",
        setup(b) {
          b.onResolve({ filter: /\/generated\/prisma\/client$/ }, (args) => ({
            path: "./" + path.relative(path.dirname(out), path.resolve(args.resolveDir, `${args.path}.js`)).split(path.sep).join("/"),
            external: true,
          }));
        },
      },
      externals,
    ],
    banner: { js: 'import { createRequire as __socketpotRequire } from "node:module"; const require = __socketpotRequire(import.meta.url);' },
  });
  if (result.errors.length) process.exit(1);
}
// bet-stream's publisher thread is a plain module loaded next to the service's code.
await mkdir(path.join(root, "services/bet-stream/dist"), { recursive: true });
await copyFile(path.join(root, "services/bet-stream/src/fanout-publisher-thread.mjs"), path.join(root, "services/bet-stream/dist/fanout-publisher-thread.mjs"));
console.log(`bundled ${entries.length} entry points`);
