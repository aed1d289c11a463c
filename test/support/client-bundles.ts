/**
 * The socket.io-client browser bundles the client matrix runs: the last release of each
 * minor line, installed from the npm registry under the aliases of test/package.json.
 */
import { createRequire } from "node:module";

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
  "socket.io-client-1.3",
] as const;

function bundle(alias: string): ClientBundle {
  const manifest = require.resolve(`${alias}/package.json`);
  const { version } = require(manifest) as { version: string };
  // Up to 1.x the bundle sits at the package root, from 2.0 in dist/.
  const file = require.resolve(version.startsWith("1.") ? `${alias}/socket.io.js` : `${alias}/dist/socket.io.js`);
  return { version, alias, file };
}

export const CLIENT_BUNDLES: readonly ClientBundle[] = ALIASES.map(bundle);
