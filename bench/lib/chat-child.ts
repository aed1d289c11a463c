/** The chat service as a child process of a benchmark, resolved once it logs "chat started". */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHAT_MAIN = fileURLToPath(new URL("../../services/chat/src/main.ts", import.meta.url));

export async function spawnChat(env: Record<string, string>): Promise<{ child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHAT_MAIN], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chat not ready:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("chat started")) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`chat exited:\n${out}`)));
  });
  // Keep reading its output (a full pipe would stall it); callers may listen too.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    child,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
