/**
 * `npm start`: runs Socketpot on this machine against NATS and PostgreSQL at their usual
 * localhost ports: prepares the chat database, seeds the demo app (development only),
 * starts the four services and prints the URL and demo tokens.
 *
 * Environment: NATS_URL, DATABASE_URL, PORT, SOCKETPOT_NAMESPACE, and SOCKETPOT_DEMO
 * (on by default; `off`, or NODE_ENV=production, seeds nothing); SOCKETPOT_DEMO_FILE moves
 * the demo users' file (default .socketpot/demo.json).
 * `npm start -- --simulate` also publishes simulated Moneypot traffic to the demo app:
 * bets, and deposits that appear unconfirmed and confirm a few seconds later.
 */
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { createNames } from "@socketpot/contracts";
import { checkDependencies } from "@socketpot/service-kit";
import { prepareChatDatabase } from "./dev/database";
import { createDemoTraffic, demoEnabled, demoInfo, demoUrl, seedDemo, type TrafficSimulator } from "@socketpot/simulator";
import { DEMO_FILE, writeDemoFile } from "./dev/demo-file";
import { startService, stopAll, type ManagedProcess } from "./dev/processes";

const env = {
  ...process.env,
  NATS_URL: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/socketpot",
  PORT: process.env.PORT ?? "3000",
  SOCKETPOT_NAMESPACE: process.env.SOCKETPOT_NAMESPACE ?? "socketpot",
};
const demoFile = process.env.SOCKETPOT_DEMO_FILE ?? DEMO_FILE;
const demo = demoEnabled(process.env);
const { values: flags } = parseArgs({ options: { simulate: { type: "boolean", default: false } } });

const consoleLog = {
  info: (obj: object, msg: string) => console.log(`[demo-traffic]     ${msg} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg: string) => console.warn(`[demo-traffic]     ${msg} ${JSON.stringify(obj)}`),
};

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

async function main(): Promise<number> {
  if (flags.simulate && !demo) {
    console.error("socketpot: --simulate needs the demo (it is off with SOCKETPOT_DEMO=off or NODE_ENV=production)");
    return 1;
  }
  const problems = await checkDependencies({ natsUrl: env.NATS_URL, databaseUrl: env.DATABASE_URL });
  if (problems.length) {
    for (const p of problems) console.error(`socketpot: ${p}`);
    return 1;
  }
  await prepareChatDatabase(env.DATABASE_URL);

  const names = createNames(env.SOCKETPOT_NAMESPACE);
  const nc = await connect({ servers: env.NATS_URL.split(","), name: "socketpot-dev-start" });
  const seeded = demo ? await seedDemo(nc, names) : undefined;
  // The demo page reads the demo users from the gateway's /demo.json (development only).
  if (seeded) await writeDemoFile(demoFile, demoInfo(seeded, names));
  if (!flags.simulate) await nc.drain();

  const processes: ManagedProcess[] = ["chat", "wallet-watcher", "bet-stream", "gateway"].map((name) =>
    startService(name, name === "gateway" && seeded ? { ...env, DEMO_FILE: demoFile } : env),
  );
  let stopping = false;
  let simulator: TrafficSimulator | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await simulator?.stop();
    if (!nc.isClosed()) await nc.drain().catch(() => undefined);
    await stopAll(processes);
    process.exit(code);
  };
  // The services run in their own process groups: never leave one behind.
  process.on("exit", () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill("SIGKILL");
  });
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  for (const p of processes) {
    void p.exited.then((code) => {
      if (stopping) return;
      console.error(`socketpot: ${p.name} exited with code ${code}; stopping the others`);
      void stop(1);
    });
  }

  const url = `http://localhost:${env.PORT}`;
  if (!(await waitReady(url, 120_000))) {
    console.error("socketpot: the gateway did not become ready within 120 s");
    await stop(1);
    return 1;
  }
  if (flags.simulate && seeded) {
    simulator = createDemoTraffic({ app_id: seeded.appId, users: seeded.users }, { nc, names, log: consoleLog });
    simulator.start();
  }
  const lines = [``, `Socketpot is running: ${url}  (socket.io endpoint and demo page)`];
  if (seeded) {
    lines.push(`Demo app_id: ${seeded.appId}. Dev-only access tokens, and the demo page signed in as each:`);
    for (const u of seeded.users) lines.push(`  ${u.uname.padEnd(6)} ${u.role.padEnd(7)} ${u.token}  ${demoUrl(url, seeded.appId, u)}`);
    lines.push(`  anonymous                                              ${demoUrl(url, seeded.appId)}`);
    lines.push(
      simulator
        ? "Simulated Moneypot traffic is on: bets, and deposits to kate and max that confirm a few seconds later."
        : "Simulated Moneypot traffic: npm start -- --simulate (or npm run demo:traffic next to a running npm start).",
    );
  }
  lines.push(`Stop with Ctrl-C.`, ``);
  console.log(lines.join("\n"));
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
