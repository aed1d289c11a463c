import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { createLogger } from "./logger";
import { connectNats } from "./nats";
import { runMain, type StartableService } from "./lifecycle";

/**
 * The whole `main.ts` of a NATS-connected service: read and validate its config, connect,
 * start, and on SIGTERM stop the service and drain the connection.
 */
export function runNatsService<C extends { NATS_URL: string }>(
  name: string,
  loadConfig: () => C,
  create: (deps: { config: C; nc: NatsConnection; log: Logger }) => StartableService,
): void {
  const log = createLogger(name, process.env.LOG_LEVEL);
  runMain(log, async () => {
    const config = loadConfig();
    const nc = await connectNats(config.NATS_URL, `socketpot-${name}`, log);
    const service = create({ config, nc, log });
    await service.start();
    return {
      async stop() {
        await service.stop();
        await nc.drain();
      },
    };
  });
}
