/**
 * The Socketpot gateway in a child process for benchmarks: built with createGatewayService
 * like main.ts, plus the probe requests (memory after GC, cpu) and `stats` over IPC.
 * argv[2]: JSON { namespace, port, natsUrl, env? }. SIGTERM stops it gracefully, as main.ts does.
 */
import { GatewayEnv, createGatewayService } from "@socketpot/gateway";
import { connectNats, createLogger, loadConfig } from "@socketpot/service-kit";
import { serveIpc } from "./ipc";
import { probeHandlers } from "./probe";

interface ChildOptions {
  namespace: string;
  port: number;
  natsUrl: string;
  env?: Record<string, string>;
}

const opts = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const level = process.env.GATEWAY_LOG_LEVEL ?? "warn";
const log = createLogger("gateway", level);
const config = loadConfig("gateway", GatewayEnv, {
  NATS_URL: opts.natsUrl,
  SOCKETPOT_NAMESPACE: opts.namespace,
  PORT: String(opts.port),
  HOST: "127.0.0.1",
  LOG_LEVEL: level,
  ...opts.env,
});
const nc = await connectNats(config.NATS_URL, "socketpot-gateway-bench", log);
const gateway = createGatewayService({ config, nc, log });
const { port } = await gateway.start();

let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    await gateway.stop();
    await nc.drain().catch(() => undefined);
  })());

process.once("SIGTERM", () => {
  void stop().finally(() => process.exit(0));
});

const ipc = serveIpc({
  ...probeHandlers(),
  stats: () => gateway.stats(),
  stop: async () => {
    await stop();
    return { stopped: true };
  },
});
ipc.emit("ready", { port, gatewayId: gateway.gatewayId });
