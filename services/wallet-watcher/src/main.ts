import { runNatsService } from "@socketpot/service-kit";
import { loadWalletWatcherConfig } from "./config";
import { createWalletWatcherService } from "./service";

runNatsService("wallet-watcher", () => loadWalletWatcherConfig(), createWalletWatcherService);
