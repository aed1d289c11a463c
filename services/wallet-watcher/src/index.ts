export { createWalletWatcherService, type WalletWatcherDeps } from "./service";
export { WalletWatcherEnv, loadWalletWatcherConfig, type WalletWatcherConfig } from "./config";
