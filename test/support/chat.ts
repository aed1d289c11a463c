/** The chat service in this process (several replicas may share one database). */
import type { NatsConnection } from "@nats-io/transport-node";
import { ChatEnv, createChatService, type ChatService } from "@socketpot/chat";
import { quietLogger } from "./gateway";
import { natsUrl } from "./nats";

export interface RunningChat {
  chat: ChatService;
  stop(): Promise<void>;
}

export async function startChat(
  nc: NatsConnection,
  namespace: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<RunningChat> {
  const config = ChatEnv.parse({
    NATS_URL: natsUrl(),
    SOCKETPOT_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    CHAT_REAP_INTERVAL_MS: "200",
    CHAT_PRESENCE_LINGER_MS: "500",
    CHAT_GATEWAY_GRACE_MS: "1000",
    ...env,
  });
  const chat = createChatService({ config, nc, log: quietLogger() });
  await chat.start();
  return { chat, stop: () => chat.stop() };
}
