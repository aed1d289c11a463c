import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { createLogger } from "./logger";
import { connectNats } from "./nats";
import { runMain, type StartableService } from "./lifecycle";
import { createMetricsRegistry, instrumentNats } from "./metrics";
import { startOpsServer } from "./ops-http";
import { settledWithin } from "./deadline";

/**
 * How long a stopping service lets its NATS connection drain. A drain ends with a flush, whose
 * answer queues behind everything the server still has for this connection: after a flood
 * that is a backlog the client must read and parse first (seconds on a busy machine, past the
 * 10 s stop deadline). The service has already stopped its intake and sent its last replies,
 * so past this the connection is closed instead.
 */
const DRAIN_DEADLINE_MS = 2_000;

async function drainWithin(nc: NatsConnection, ms: number, log: Logger): Promise<void> {
  if (await settledWithin(nc.drain(), ms)) return;
  log.warn({ ms }, "NATS connection did not drain in time; closing it");
  await nc.close().catch(() => undefined);
}

/**
 * The whole `main.ts` of a NATS-connected service: read and validate its config, connect,
 * start, serve /healthz, /readyz and /metrics on OPS_PORT when set, and on SIGTERM stop the
 * service and drain the connection.
 */
export function runNatsService<C extends { NATS_URL: string; OPS_PORT?: number; OPS_HOST?: string }>(
  name: string,
  loadConfig: () => C,
  create: (deps: { config: C; nc: NatsConnection; log: Logger; metrics: Registry }) => StartableService,
): void {
  const log = createLogger(name, process.env.LOG_LEVEL);
  runMain(log, async () => {
    const config = loadConfig();
    const nc = await connectNats(config.NATS_URL, `socketpot-${name}`, log);
    const metrics = createMetricsRegistry(name);
    instrumentNats(metrics, nc);
    const service = create({ config, nc, log, metrics });
    await service.start();
    const ops = config.OPS_PORT === undefined ? undefined : await startOpsServer({ ready: () => service.ready(), metrics }, config.OPS_PORT, config.OPS_HOST);
    if (ops) log.info({ port: ops.port }, "serving /healthz, /readyz and /metrics");
    return {
      async stop() {
        ops?.server.close();
        await service.stop();
        await drainWithin(nc, DRAIN_DEADLINE_MS, log);
      },
    };
  });
}
