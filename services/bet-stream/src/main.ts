import { connectNats, createLogger, runMain } from "@socketpot/service-kit";
import { loadBetStreamConfig } from "./config";
import { createBetStreamService } from "./service";

const log = createLogger("bet-stream", process.env.LOG_LEVEL);

runMain(log, async () => {
  const config = loadBetStreamConfig();
  const nc = await connectNats(config.NATS_URL, "socketpot-bet-stream", log);
  const service = createBetStreamService({ config, nc, log });
  await service.start();
  return {
    async stop() {
      await service.stop();
      await nc.drain();
    },
  };
});
