import { connectNats, createLogger, runMain } from "@socketpot/service-kit";
import { loadWalletWatcherConfig } from "./config";
import { createWalletWatcherService } from "./service";

const log = createLogger("wallet-watcher", process.env.LOG_LEVEL);

runMain(log, async () => {
  const config = loadWalletWatcherConfig();
  const nc = await connectNats(config.NATS_URL, "socketpot-wallet-watcher", log);
  const service = createWalletWatcherService({ config, nc, log });
  await service.start();
  return {
    async stop() {
      await service.stop();
      await nc.drain();
    },
  };
});
