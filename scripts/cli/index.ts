import type { CliCommand } from "./command";
import { directoryCommand } from "./directory";
import { walletCommand } from "./wallet";

/** Every CLI command; a feature adds its module here. */
export const commands: Record<string, CliCommand> = {
  directory: directoryCommand,
  wallet: walletCommand,
};
