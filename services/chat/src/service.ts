import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { onceStop, registerService, type Service } from "@socketpot/service-kit";
import type { ChatConfig } from "./config";

export interface ChatDeps {
  config: ChatConfig;
  nc: NatsConnection;
  log: Logger;
}

export function createChatService({ config, nc, log }: ChatDeps) {
  let service: Service | undefined;
  return {
    async start(): Promise<void> {
      service = await registerService(
        nc,
        { name: "chat", version: "0.1.0", description: "Chat messages, moderation and presence" },
        config.SOCKETPOT_NAMESPACE,
      );
      log.info("chat started");
    },
    /** Idempotent; stops the NATS service (its endpoints drain). Does not close `nc`. */
    stop: onceStop(async () => {
      await service?.stop();
    }),
  };
}
