import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ROOT } from "./gateway";
import { natsUrl } from "./nats";

const run = promisify(execFile);

/** Runs `npm run cli -- ...args` (as a child process) in a namespace; resolves with its stdout. */
export async function runCli(namespace: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: namespace },
  });
  return stdout.trim();
}
