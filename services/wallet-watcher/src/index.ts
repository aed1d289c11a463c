export { createWalletWatcherService, type WalletWatcherService, type WalletWatcherDeps } from "./service";
export { WalletWatcherEnv, loadWalletWatcherConfig, type WalletWatcherConfig } from "./config";
export * as ledger from "./ledger";
export { ledgerKey } from "./store";
export { ensureWalletResources, type WalletResources } from "./setup";
