/** A service (chat, bet-stream) as a child process of a benchmark, resolved once it logs that it is ready. */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHAT_MAIN = fileURLToPath(new URL("../../services/chat/src/main.ts", import.meta.url));
const BET_STREAM_MAIN = fileURLToPath(new URL("../../services/bet-stream/src/main.ts", import.meta.url));

export interface ServiceChild {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** The chat service, ready once it logs "chat started" (needs LOG_LEVEL info or lower). */
export function spawnChat(env: Record<string, string>): Promise<ServiceChild> {
  return spawnService("chat", CHAT_MAIN, "chat started", env);
}

/** bet-stream, ready once it logs "bet-stream ready" (needs LOG_LEVEL info or lower): answers the gateway's recent-bets requests. */
export function spawnBetStream(env: Record<string, string>): Promise<ServiceChild> {
  return spawnService("bet-stream", BET_STREAM_MAIN, "bet-stream ready", { LOG_LEVEL: "info", ...env });
}

async function spawnService(name: string, main: string, readyText: string, env: Record<string, string>): Promise<ServiceChild> {
  const child = spawn(process.execPath, ["--import", "tsx", main], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A service that never got ready must not outlive the benchmark.
      child.kill("SIGKILL");
      reject(new Error(`${name} not ready:\n${out.slice(-4000)}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(readyText)) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        child.stderr!.off("data", onData);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`${name} exited:\n${out.slice(-4000)}`)));
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
