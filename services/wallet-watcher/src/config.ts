import { z } from "zod";
import { CommonEnv, loadConfig } from "@socketpot/service-kit";

export const WalletWatcherEnv = z.object({
  ...CommonEnv,
});
export type WalletWatcherConfig = z.output<typeof WalletWatcherEnv>;

export const loadWalletWatcherConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("wallet-watcher", WalletWatcherEnv, env);
