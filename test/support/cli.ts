import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { ROOT } from "./gateway";
import { natsUrl } from "./nats";

const run = promisify(execFile);

/** Runs the CLI (scripts/cli.ts, as a child process) in a namespace; resolves with its stdout, rejects on a non-zero exit. */
export async function runCli(namespace: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: namespace },
  });
  return stdout.trim();
}

export interface ShellResult {
  code: number | null;
  /** stdout without npm's own `> package script` header lines. */
  stdout: string;
  stderr: string;
}

/**
 * Runs a command line through bash exactly as docs write it (`npm run cli -- ...`), in a
 * namespace; resolves with the exit code and output whatever the code.
 */
export function runShell(line: string, env: Record<string, string>): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", line], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      const lines = stdout.split("\n").filter((l, i, all) => !(l.startsWith("> ") || (l === "" && (i === 0 || all[i - 1]?.startsWith("> ")))));
      resolve({ code, stdout: lines.join("\n").trim(), stderr: stderr.trim() });
    });
  });
}

/** `npm run cli -- <args>` in a namespace (arguments are shell-quoted). */
export function npmCli(namespace: string, ...args: string[]): Promise<ShellResult> {
  const quoted = args.map((a) => (/^[\w.,:/=@-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
  return runShell(`npm run cli -- ${quoted}`, { NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: namespace });
}
