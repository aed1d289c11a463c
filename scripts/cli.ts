/**
 * Socketpot's operator CLI: `npm run cli -- <command> <action> [--flags]` (`help` lists them;
 * in the image: `socketpot-cli ...`). Reads NATS_URL and SOCKETPOT_NAMESPACE like the services.
 * Results go to stdout (JSON, one object per line, except `token issue`'s bare token);
 * errors to stderr as `error: ...`, with the exit codes of EXIT in cli/command.ts.
 */
import { createNames } from "@socketpot/contracts";
import { CommonEnv, DirectoryConflictError, NatsUnavailableError, connectNats, createLogger } from "@socketpot/service-kit";
import { z } from "zod";
import { EXIT, NotFoundError, UsageError, findAction, parseFlags, usageLines, type CliCommand } from "./cli/command";
import { commands } from "./cli/index";

function help(out: (line: string) => void, only?: [string, CliCommand]): void {
  out("usage: npm run cli -- <command> <action> [--flags]   (--help after any of them for its usage)\n");
  for (const [name, cmd] of only ? [only] : Object.entries(commands)) {
    out(`${name}: ${cmd.summary}`);
    for (const line of usageLines(name, cmd)) out(`  ${line}`);
    out("");
  }
  out(`exit codes: ${EXIT.ok} ok, ${EXIT.failure} failure, ${EXIT.usage} usage, ${EXIT.notFound} not found, ${EXIT.conflict} exists already`);
}

function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) return EXIT.usage;
  if (err instanceof NotFoundError) return EXIT.notFound;
  if (err instanceof DirectoryConflictError) return EXIT.conflict;
  return EXIT.failure;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...words] = argv;
  const out = (line: string) => console.log(line);
  if (!name || name === "help" || name === "--help" || name === "-h") {
    help(out);
    return EXIT.ok;
  }
  const command = commands[name];
  if (!command) {
    console.error(`error: unknown command ${name}\n`);
    help((line) => console.error(line));
    return EXIT.usage;
  }
  const found = findAction(command, words);
  if (!found || found.rest.includes("--help") || found.rest.includes("-h")) {
    const wanted = !found && words.length > 0 && !words.includes("--help") && !words.includes("-h");
    if (wanted) console.error(`error: unknown action: ${name} ${words.filter((w) => !w.startsWith("-")).join(" ")}\n`);
    help(wanted ? (line) => console.error(line) : out, [name, command]);
    return wanted ? EXIT.usage : EXIT.ok;
  }
  try {
    // The command line is checked before connecting: a typo never waits for NATS.
    parseFlags(found.action, found.rest);
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n  usage: ${name} ${found.action.name} ${found.action.usage}`);
    return EXIT.usage;
  }
  const env = z.object({ NATS_URL: CommonEnv.NATS_URL, SOCKETPOT_NAMESPACE: CommonEnv.SOCKETPOT_NAMESPACE }).safeParse(process.env);
  if (!env.success) {
    console.error(`error: ${z.prettifyError(env.error)}`);
    return EXIT.usage;
  }
  let nc;
  try {
    nc = await connectNats(env.data.NATS_URL, "socketpot-cli", createLogger("cli", "silent"));
  } catch (err) {
    console.error(`error: ${err instanceof NatsUnavailableError ? err.message : String(err)}`);
    return EXIT.failure;
  }
  try {
    await command.run(words, { nc, names: createNames(env.data.SOCKETPOT_NAMESPACE), print: out, note: (line) => console.error(line) });
    return EXIT.ok;
  } catch (err) {
    const code = exitCodeOf(err);
    console.error(`error: ${(err as Error).message}`);
    if (code === EXIT.usage) console.error(`  usage: ${name} ${found.action.name} ${found.action.usage}`);
    return code;
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
