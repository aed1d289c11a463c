/**
 * `npm start`: runs the four services as child processes against NATS and PostgreSQL on
 * their usual localhost ports, seeds the development demo (app, owner, mod, members and
 * their tokens) and prints the demo page's URLs.
 *
 *   npm start                     services + demo
 *   npm start -- --simulate       ... plus simulated Moneypot bets and deposits
 *   SOCKETPOT_DEMO=off npm start  services only (also with NODE_ENV=production)
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { createNames } from "@socketpot/contracts";
import { DirectoryWriter, connectNats, createLogger, openDirectoryBucket } from "@socketpot/service-kit";
import { createDemoTraffic, type TrafficSimulator } from "./demo/traffic";
import { demoEnabled, demoUrl, seedDemo, type DemoInfo } from "./demo/seed";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DEMO_FILE = path.join(ROOT, ".socketpot", "demo.json");
const SERVICES = ["chat", "wallet-watcher", "bet-stream", "gateway"] as const;

const log = createLogger("dev-start", process.env.LOG_LEVEL ?? "info");

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
}

function startService(name: string, env: NodeJS.ProcessEnv, onLine: (line: string) => void): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "services", name, "src", "main.ts")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Own process group: a terminal's Ctrl-C reaches dev-start only, which stops each service once.
    detached: true,
  });
  const prefix = `[${name}]`.padEnd(17);
  for (const stream of [proc.stdout, proc.stderr]) {
    let buffered = "";
    stream?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        process.stdout.write(`${prefix} ${line}\n`);
        onLine(line);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { name, proc, exited };
}

function banner(base: string, demo: DemoInfo | undefined, simulate: boolean): string {
  const lines = ["", "Socketpot is running.", `  gateway:   ${base}  (socket.io; the demo page is at ${base}/)`];
  if (demo) {
    lines.push(`  demo app:  ${demo.app_id} "${demo.app_name}" (namespace ${demo.namespace})`, "  demo users (development tokens):");
    for (const user of demo.users) {
      lines.push(`    ${user.role.padEnd(7)} ${user.uname.padEnd(9)} token ${user.token}`);
      lines.push(`            ${demoUrl(base, demo.app_id, user)}`);
    }
    lines.push(`    anonymous         ${demoUrl(base, demo.app_id)}`);
    lines.push(
      simulate
        ? "  simulated Moneypot traffic: on (bets, and deposits that confirm a few seconds later)"
        : "  simulated Moneypot traffic: off (npm start -- --simulate, or npm run demo:traffic)",
    );
  } else {
    lines.push("  demo: off (NODE_ENV=production or SOCKETPOT_DEMO=off)");
  }
  lines.push("  Ctrl-C stops everything.", "");
  return lines.join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { simulate: { type: "boolean", default: false } } });
  const env = {
    ...process.env,
    NATS_URL: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
    SOCKETPOT_NAMESPACE: process.env.SOCKETPOT_NAMESPACE ?? "socketpot",
    DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/socketpot",
    PORT: process.env.PORT ?? "3000",
  };
  const withDemo = demoEnabled(env);
  if (values.simulate && !withDemo) throw new Error("--simulate needs the demo (unset SOCKETPOT_DEMO=off / NODE_ENV=production)");
  const names = createNames(env.SOCKETPOT_NAMESPACE);
  const nc = await connectNats(env.NATS_URL, "socketpot-dev-start", log);

  let demo: DemoInfo | undefined;
  if (withDemo) {
    const writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
    demo = await seedDemo(writer, { file: DEMO_FILE, namespace: names.namespace });
    log.info({ app_id: demo.app_id, users: demo.users.map((u) => u.uname) }, "demo seeded");
  }

  const children: Child[] = [];
  let stopping = false;
  let simulator: TrafficSimulator | undefined;
  let gatewayPort!: (port: number) => void;
  let gatewayFailed!: (err: Error) => void;
  const gatewayUp = new Promise<number>((resolve, reject) => {
    gatewayPort = resolve;
    gatewayFailed = reject;
  });

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await simulator?.stop();
    for (const child of children) if (child.proc.exitCode === null) child.proc.kill("SIGTERM");
    const deadline = setTimeout(() => {
      for (const child of children) if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
    }, 12_000);
    await Promise.all(children.map((c) => c.exited));
    clearTimeout(deadline);
    await nc.drain().catch(() => undefined);
    process.exit(code);
  };
  process.on("exit", () => {
    for (const child of children) if (child.proc.exitCode === null) child.proc.kill("SIGKILL");
  });
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));

  for (const name of SERVICES) {
    const childEnv: NodeJS.ProcessEnv = { ...env };
    if (name === "gateway" && demo) childEnv.DEMO_FILE = DEMO_FILE;
    const child = startService(name, childEnv, (line) => {
      if (name !== "gateway" || !line.includes("gateway listening")) return;
      const port = /"port":(\d+)/.exec(line)?.[1];
      if (port) gatewayPort(Number(port));
    });
    children.push(child);
    void child.exited.then((code) => {
      if (stopping) return;
      log.error({ service: name, code }, "a service exited; stopping the others");
      gatewayFailed(new Error(`${name} exited with code ${code}`));
      void stopAll(1);
    });
  }

  const port = await gatewayUp;
  const base = `http://localhost:${port}`;
  if (values.simulate && demo) {
    simulator = createDemoTraffic(demo, { nc, names, log });
    simulator.start();
  }
  process.stdout.write(banner(base, demo, Boolean(simulator)));
}

main().catch((err: unknown) => {
  log.fatal(err instanceof Error ? err.message : { err }, "npm start failed");
  process.exit(1);
});
