import type { CliCommand } from "./command";
import { directoryCommand } from "./directory";
import { walletCommand } from "./wallet";
import { betsCommand } from "./bets";

/** Every CLI command; a feature adds its module here. */
export const commands: Record<string, CliCommand> = {
  directory: directoryCommand,
  wallet: walletCommand,
  bets: betsCommand,
};
