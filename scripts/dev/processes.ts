import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Runs a service's main.ts with tsx, prefixing each output line with its name. */
export function startService(name: string, env: NodeJS.ProcessEnv): ManagedProcess {
  const child = spawn(process.execPath, ["--import", "tsx", `services/${name}/src/main.ts`], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const prefix = `[${name}]`.padEnd(17);
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) process.stdout.write(`${prefix} ${line}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, exited };
}

export async function stopAll(processes: ManagedProcess[], deadlineMs = 10_000): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  }, deadlineMs);
  await Promise.all(processes.map((p) => p.exited));
  clearTimeout(timer);
}
