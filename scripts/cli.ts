/**
 * Socketpot's operator CLI: `npm run cli -- <command> ...` (see `npm run cli -- help`).
 * Reads NATS_URL and SOCKETPOT_NAMESPACE like the services.
 */
import { connect } from "@nats-io/transport-node";
import { createNames } from "@socketpot/contracts";
import { CommonEnv } from "@socketpot/service-kit";
import { z } from "zod";
import { UsageError } from "./cli/command";
import { commands } from "./cli/index";

function help(): void {
  console.log("usage: npm run cli -- <command> ...\n");
  for (const [name, cmd] of Object.entries(commands)) {
    console.log(`${name}: ${cmd.summary}`);
    for (const line of cmd.usage) console.log(`  ${line}`);
    console.log();
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    help();
    return name && name !== "help" ? 2 : 0;
  }
  const env = z.object({ NATS_URL: CommonEnv.NATS_URL, SOCKETPOT_NAMESPACE: CommonEnv.SOCKETPOT_NAMESPACE }).parse(process.env);
  const nc = await connect({ servers: env.NATS_URL.split(","), name: "socketpot-cli" });
  try {
    await command.run(rest, { nc, names: createNames(env.SOCKETPOT_NAMESPACE), print: (line) => console.log(line) });
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`error: ${(err as Error).message}\n`);
      for (const line of command.usage) console.error(`  ${line}`);
      return 2;
    }
    console.error(`error: ${(err as Error).message}`);
    return 1;
  } finally {
    await nc.drain();
  }
}

process.exitCode = await main(process.argv.slice(2));
