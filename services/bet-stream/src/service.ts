import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { onceStop, registerService, type Service } from "@socketpot/service-kit";
import type { BetStreamConfig } from "./config";

export interface BetStreamDeps {
  config: BetStreamConfig;
  nc: NatsConnection;
  log: Logger;
}

export function createBetStreamService({ config, nc, log }: BetStreamDeps) {
  let service: Service | undefined;
  return {
    async start(): Promise<void> {
      service = await registerService(
        nc,
        { name: "bet-stream", version: "0.1.0", description: "Sampled per-app bet feed" },
        config.SOCKETPOT_NAMESPACE,
      );
      log.info("bet-stream started");
    },
    /** Idempotent; stops the NATS service (its endpoints drain). Does not close `nc`. */
    stop: onceStop(async () => {
      await service?.stop();
    }),
  };
}
