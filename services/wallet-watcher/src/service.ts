import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { onceStop, registerService, type Service } from "@socketpot/service-kit";
import type { WalletWatcherConfig } from "./config";

export interface WalletWatcherDeps {
  config: WalletWatcherConfig;
  nc: NatsConnection;
  log: Logger;
}

export function createWalletWatcherService({ config, nc, log }: WalletWatcherDeps) {
  let service: Service | undefined;
  return {
    async start(): Promise<void> {
      service = await registerService(
        nc,
        { name: "wallet-watcher", version: "0.1.0", description: "Balance notifications from wallet events" },
        config.SOCKETPOT_NAMESPACE,
      );
      log.info("wallet-watcher started");
    },
    /** Idempotent; stops the NATS service (its endpoints drain). Does not close `nc`. */
    stop: onceStop(async () => {
      await service?.stop();
    }),
  };
}
