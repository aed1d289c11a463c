import { connectNats, createLogger, runMain } from "@socketpot/service-kit";
import { loadWalletWatcherConfig } from "./config";
import { createWalletWatcherService } from "./service";

const log = createLogger("wallet-watcher", process.env.LOG_LEVEL);

runMain(log, async () => {
  const config = loadWalletWatcherConfig();
  const nc = await connectNats(config.NATS_URL, "socketpot-wallet-watcher", log);
  const watcher = createWalletWatcherService({ config, nc, log });
  await watcher.start();
  return {
    async stop() {
      await watcher.stop();
      await nc.drain();
    },
  };
});
