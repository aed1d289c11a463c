import type { CliCommand } from "./command";
import { directoryCommand } from "./directory";

/** Every CLI command; a feature adds its module here. */
export const commands: Record<string, CliCommand> = {
  directory: directoryCommand,
};
