/**
 * `npm start` as a process manager sees it: run through npm itself, a signal to the npm PID
 * stops every service and leaves no process behind; a service that crashes is restarted
 * with backoff while the others keep serving; the terminal shows warnings and the banner
 * last, the full logs go to files.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase } from "@socketpot/chat";
import { waitFor } from "../support/clients";
import { databaseUrlFor } from "../support/database";
import { ROOT } from "../support/gateway";
import { freePortRun } from "../support/ports";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let dir: string;
const databases: string[] = [];
const everyPid = new Set<number>();

/** Every process below `pid`, by name of the command line. */
function descendants(pid: number): Array<{ pid: number; cmd: string }> {
  const rows = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), cmd: m[3]! }));
  const out: Array<{ pid: number; cmd: string }> = [];
  const walk = (p: number) => {
    for (const r of rows) if (r.ppid === p) (out.push({ pid: r.pid, cmd: r.cmd }), walk(r.pid));
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface NpmStart {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  port: number;
  logDir: string;
}

async function npmStart(env: Record<string, string>): Promise<NpmStart> {
  const port = await freePortRun();
  const database = databaseUrlFor(`socketpot_sup_${Math.random().toString(36).slice(2, 10)}`);
  databases.push(database);
  const logDir = await mkdtemp(path.join(dir, "logs-"));
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: natsUrl(), DATABASE_URL: database, SOCKETPOT_NAMESPACE: ns.namespace, PORT: String(port), SOCKETPOT_LOG_DIR: logDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitFor(() => out.includes("Stop with Ctrl-C.") || child.exitCode !== null, 180_000, "npm start to print its banner");
  if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
  for (const d of descendants(child.pid!)) everyPid.add(d.pid);
  return { child, output: () => out, exited, port, logDir };
}

async function stopsCompletely(started: NpmStart, signal: NodeJS.Signals): Promise<void> {
  for (const d of descendants(started.child.pid!)) everyPid.add(d.pid);
  const t0 = Date.now();
  started.child.kill(signal);
  await started.exited;
  // Every service is gone once npm start has exited: within the 10 s drain deadline.
  await waitFor(() => [...everyPid].every((p) => !alive(p)), 3_000, "every process of npm start to be gone");
  expect(Date.now() - t0).toBeLessThan(12_000);
}

beforeAll(async () => {
  ns = await createTestNamespace();
  dir = await mkdtemp(path.join(tmpdir(), "socketpot-supervisor-"));
});

afterAll(async () => {
  for (const p of everyPid) if (alive(p)) process.kill(p, "SIGKILL");
  for (const db of databases) await dropDatabase(db).catch(() => undefined);
  await ns?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm start supervises the services", () => {
  it("shows warnings and the banner last, restarts a crashed service with backoff, and stops everything on SIGTERM to the npm PID", async () => {
    const started = await npmStart({});
    const out = started.output();
    const lines = out.trimEnd().split("\n");
    expect(lines.at(-1)).toBe("Stop with Ctrl-C.");
    expect(out).toContain(`http://localhost:${started.port + 4}/metrics`);
    expect(out).not.toMatch(/"level":30/);
    expect(await readFile(path.join(started.logDir, "bet-stream.log"), "utf8")).toContain("partition taken");

    const chat = descendants(started.child.pid!).find((d) => d.cmd.includes("services/chat/src/main.ts"))!;
    process.kill(chat.pid, "SIGKILL");
    await waitFor(() => started.output().includes("socketpot: chat exited (SIGKILL); restarting in 0.5 s"), 10_000, "the restart notice");
    await waitFor(
      () => descendants(started.child.pid!).some((d) => d.cmd.includes("services/chat/src/main.ts") && d.pid !== chat.pid),
      10_000,
      "a new chat process",
    );
    const chatOps = `http://127.0.0.1:${started.port + 2}/readyz`;
    await waitFor(async () => (await fetch(chatOps).catch(() => undefined))?.ok === true, 60_000, "the restarted chat to be ready");
    expect((await fetch(`http://127.0.0.1:${started.port}/readyz`)).status).toBe(200);

    await stopsCompletely(started, "SIGTERM");
  }, 300_000);

  it("stops everything on SIGINT to the npm PID", async () => {
    const started = await npmStart({ SOCKETPOT_DEMO: "off" });
    await stopsCompletely(started, "SIGINT");
  }, 300_000);
});
