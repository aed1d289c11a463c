import { connectNats, createLogger, runMain } from "@socketpot/service-kit";
import { loadChatConfig } from "./config";
import { createChatService } from "./service";

const log = createLogger("chat", process.env.LOG_LEVEL);

runMain(log, async () => {
  const config = loadChatConfig();
  const nc = await connectNats(config.NATS_URL, "socketpot-chat", log);
  const service = createChatService({ config, nc, log });
  await service.start();
  return {
    async stop() {
      await service.stop();
      await nc.drain();
    },
  };
});
