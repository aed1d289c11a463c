/**
 * `npm start`: runs Socketpot on this machine against NATS and PostgreSQL at their usual
 * localhost ports: prepares the chat database, seeds the demo app (development only),
 * starts the four services and prints the URL and demo tokens.
 *
 * Environment: NATS_URL, DATABASE_URL, PORT, SOCKETPOT_NAMESPACE, and SOCKETPOT_DEMO
 * (on by default; `off`, or NODE_ENV=production, seeds nothing).
 */
import { connect } from "@nats-io/transport-node";
import { createNames } from "@socketpot/contracts";
import { checkDependencies } from "@socketpot/service-kit";
import { prepareChatDatabase } from "./dev/database";
import { seedDemo } from "./dev/demo-seed";
import { startService, stopAll, type ManagedProcess } from "./dev/processes";

const env = {
  ...process.env,
  NATS_URL: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/socketpot",
  PORT: process.env.PORT ?? "3000",
  SOCKETPOT_NAMESPACE: process.env.SOCKETPOT_NAMESPACE ?? "socketpot",
};
const demo = process.env.SOCKETPOT_DEMO !== "off" && process.env.NODE_ENV !== "production";

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
  const problems = await checkDependencies({ natsUrl: env.NATS_URL, databaseUrl: env.DATABASE_URL });
  if (problems.length) {
    for (const p of problems) console.error(`socketpot: ${p}`);
    return 1;
  }
  await prepareChatDatabase(env.DATABASE_URL);

  const names = createNames(env.SOCKETPOT_NAMESPACE);
  const nc = await connect({ servers: env.NATS_URL.split(","), name: "socketpot-dev-start" });
  const seeded = demo ? await seedDemo(nc, names) : undefined;
  await nc.drain();

  const processes: ManagedProcess[] = ["chat", "wallet-watcher", "bet-stream", "gateway"].map((name) =>
    startService(name, env),
  );
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopAll(processes);
    process.exit(code);
  };
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
  if (!(await waitReady(url, 60_000))) {
    console.error("socketpot: the gateway did not become ready within 60 s");
    await stop(1);
    return 1;
  }
  const lines = [``, `Socketpot is running: ${url}  (socket.io endpoint and demo page)`];
  if (seeded) {
    lines.push(`Demo app_id: ${seeded.appId}. Dev-only access tokens:`);
    for (const u of seeded.users) lines.push(`  ${u.uname.padEnd(6)} ${u.role.padEnd(7)} ${u.token}`);
  }
  lines.push(`Stop with Ctrl-C.`, ``);
  console.log(lines.join("\n"));
  return 0;
}

const code = await main();
if (code !== 0) process.exit(code);
