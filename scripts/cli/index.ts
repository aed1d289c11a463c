import type { CliCommand } from "./command";
import { directoryCommand } from "./directory";
import { walletCommand } from "./wallet";
import { betsCommand } from "./bets";
import { apiKeyCommand } from "./api-key";

/** Every CLI command; a feature adds its module here. */
export const commands: Record<string, CliCommand> = {
  directory: directoryCommand,
  wallet: walletCommand,
  bets: betsCommand,
  "api-key": apiKeyCommand,
};
