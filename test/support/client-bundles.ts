/**
 * The socket.io-client browser bundles the client matrix runs: the last release of each
 * minor line, installed from the npm registry under the aliases of test/package.json
 * (1.7 and 2.5 are the `-v1` and `-v2` aliases the Node tests use too).
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

export interface ClientBundle {
  /** The release, e.g. "1.3.7". */
  version: string;
  /** The npm alias it is installed under. */
  alias: string;
  /** Where the package keeps its browser bundle. */
  file: string;
}

const ALIASES = [
  "socket.io-client-1.0",
  "socket.io-client-1.1",
  "socket.io-client-1.2",
  "socket.io-client-1.3",
  "socket.io-client-1.4",
  "socket.io-client-1.5",
  "socket.io-client-1.6",
  "socket.io-client-v1",
  "socket.io-client-2.0",
  "socket.io-client-2.1",
  "socket.io-client-2.2",
  "socket.io-client-2.3",
  "socket.io-client-2.4",
  "socket.io-client-v2",
  "socket.io-client-3.1",
  "socket.io-client-4.8",
];

function bundle(alias: string): ClientBundle {
  const manifest = require.resolve(`${alias}/package.json`);
  const { version } = require(manifest) as { version: string };
  // Up to 1.6 the bundle sits at the package root, from 1.7 in dist/.
  const root = path.dirname(manifest);
  const file = [path.join(root, "dist", "socket.io.js"), path.join(root, "socket.io.js")].find((f) => existsSync(f));
  if (!file) throw new Error(`${alias} ${version} has no socket.io.js`);
  return { version, alias, file };
}

export const CLIENT_BUNDLES: readonly ClientBundle[] = ALIASES.map(bundle);
