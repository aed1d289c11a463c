/**
 * `npm start`: runs Socketpot on this machine against NATS and PostgreSQL at their usual
 * localhost ports: prepares the chat database, seeds the demo app (development only),
 * starts the services and prints the URLs, demo tokens and the demo app's server API key.
 *
 * Environment: NATS_URL, DATABASE_URL, PORT, SOCKETPOT_NAMESPACE, and SOCKETPOT_DEMO
 * (on by default; `off`, or NODE_ENV=production, seeds nothing); SOCKETPOT_DEMO_FILE moves
 * the demo users' file (default .socketpot/demo.json).
 * `npm start -- --simulate` also publishes simulated Moneypot traffic to the demo app:
 * bets, and deposits that appear unconfirmed and confirm a few seconds later.
 *
 * It supervises the services: SIGINT or SIGTERM (to this process or to the `npm start`
 * that runs it), or the end of its parent, stops them all; a service that exits on its own
 * is restarted with backoff. Each service logs whole to .socketpot/logs/<service>.log and
 * shows warnings and errors in the terminal (SOCKETPOT_DEV_LOG=info shows everything).
 * Each serves /healthz, /readyz and /metrics on OPS_PORT: PORT+1 (gateway) to PORT+5 (api);
 * the server API listens on PORT+6.
 */
import { parseArgs } from "node:util";
import { connect } from "@nats-io/transport-node";
import { createNames } from "@socketpot/contracts";
import { checkDependencies } from "@socketpot/service-kit";
import { prepareChatDatabase } from "./dev/database";
import { createDemoTraffic, demoEnabled, demoInfo, demoUrl, seedDemo, type TrafficSimulator } from "@socketpot/simulator";
import { DEMO_FILE, writeDemoFile } from "./dev/demo-file";
import path from "node:path";
import { PINO_LEVELS } from "./dev/log-filter";
import { ROOT, SupervisedService } from "./dev/processes";

const env = {
  ...process.env,
  NATS_URL: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/socketpot",
  PORT: process.env.PORT ?? "3000",
  SOCKETPOT_NAMESPACE: process.env.SOCKETPOT_NAMESPACE ?? "socketpot",
};
const demoFile = process.env.SOCKETPOT_DEMO_FILE ?? DEMO_FILE;
const logDir = process.env.SOCKETPOT_LOG_DIR ?? path.join(ROOT, ".socketpot", "logs");
const terminalLevel = PINO_LEVELS[process.env.SOCKETPOT_DEV_LOG ?? "warn"] ?? PINO_LEVELS.warn!;
const SERVICES = ["gateway", "chat", "wallet-watcher", "bet-stream", "api"] as const;
const apiUrl = `http://localhost:${Number(env.PORT) + 6}`;
const opsUrl = (i: number) => `http://localhost:${Number(env.PORT) + 1 + i}`;
const demo = demoEnabled(process.env);
const { values: flags } = parseArgs({ options: { simulate: { type: "boolean", default: false } } });

const consoleLog = {
  info: (obj: object, msg: string) => console.log(`[demo-traffic]     ${msg} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg: string) => console.warn(`[demo-traffic]     ${msg} ${JSON.stringify(obj)}`),
};

async function waitReady(urls: string[], timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  const pending = new Set(urls);
  while (Date.now() < until) {
    for (const url of pending) {
      try {
        if ((await fetch(`${url}/readyz`)).ok) pending.delete(url);
      } catch {
        // not listening yet
      }
    }
    if (pending.size === 0) return true;
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

  const services = SERVICES.map((name, i) => {
    const serviceEnv = { ...env, LOG_LEVEL: process.env.LOG_LEVEL ?? "info", OPS_PORT: String(Number(env.PORT) + 1 + i), API_PORT: String(Number(env.PORT) + 6) };
    return new SupervisedService(name, name === "gateway" && seeded ? { ...serviceEnv, DEMO_FILE: demoFile } : serviceEnv, {
      logDir,
      terminalLevel,
      note: (line) => console.error(line),
    });
  });
  let stopping = false;
  let simulator: TrafficSimulator | undefined;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.error("socketpot: stopping");
    await simulator?.stop();
    if (!nc.isClosed()) await nc.drain().catch(() => undefined);
    await Promise.all(services.map((s) => s.stop()));
    process.exit(code);
  };
  // The services run in their own process groups: never leave one behind.
  process.on("exit", () => {
    for (const s of services) s.kill();
  });
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));
  // A parent that went away (npm killed, a terminal closed) is a stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop(0);
  }, 500).unref();
  for (const s of services) s.start();

  const url = `http://localhost:${env.PORT}`;
  if (!(await waitReady([url, ...SERVICES.map((_, i) => opsUrl(i))], 120_000))) {
    console.error(`socketpot: the services did not become ready within 120 s (logs: ${logDir})`);
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
  lines.push(`Server API: ${apiUrl}/v1/apps/<app_id>/...  (OpenAPI: ${apiUrl}/v1/openapi.json; docs/API.md)`);
  if (seeded) lines.push(`  dev-only key for app ${seeded.appId}: ${seeded.apiKey}`);
  lines.push(`Health and Prometheus metrics (/healthz, /readyz, /metrics):`);
  SERVICES.forEach((name, i) => lines.push(`  ${name.padEnd(15)} ${opsUrl(i)}/metrics`));
  lines.push(`Full logs: ${logDir}/<service>.log (the terminal shows warnings and errors; SOCKETPOT_DEV_LOG=info for all).`);
  lines.push(`Stop with Ctrl-C.`, ``);
  console.log(lines.join("\n"));
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
