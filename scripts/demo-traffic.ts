/**
 * `npm run demo:traffic`: simulated Moneypot traffic for the demo app that `npm start`
 * seeded (read from .socketpot/demo.json): a steady bet stream with the odd jackpot, and
 * deposits that appear unconfirmed and confirm a few seconds later. Runs until Ctrl-C.
 */
import { createNames } from "@socketpot/contracts";
import { connectNats, createLogger } from "@socketpot/service-kit";
import { createDemoTraffic } from "@socketpot/simulator";
import { DEMO_FILE, readDemoFile } from "./dev/demo-file";

const log = createLogger("demo-traffic", process.env.LOG_LEVEL ?? "info");

async function main(): Promise<void> {
  const demo = await readDemoFile(process.env.SOCKETPOT_DEMO_FILE ?? DEMO_FILE);
  if (!demo) throw new Error("no demo seeded yet: run `npm start` first");
  const names = createNames(process.env.SOCKETPOT_NAMESPACE ?? demo.namespace);
  const nc = await connectNats(process.env.NATS_URL ?? "nats://127.0.0.1:4222", "socketpot-demo-traffic", log);
  const simulator = createDemoTraffic(demo, { nc, names, log });
  simulator.start();
  log.info({ app_id: demo.app_id, namespace: names.namespace }, "simulating Moneypot traffic; Ctrl-C stops");
  const stop = async () => {
    await simulator.stop();
    await nc.drain();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((err: unknown) => {
  log.fatal(err instanceof Error ? err.message : { err }, "demo traffic failed");
  process.exit(1);
});
