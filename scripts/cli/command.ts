/**
 * The CLI's building blocks. A top-level command (`directory`, `wallet`, `bets`, ...) is a
 * list of actions; an action is named by one or more words (`user create`), declares its own
 * flags and runs with them. Adding a command is one module plus a line in `index.ts`.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Names } from "@socketpot/contracts";

/** Exit codes a shell script can rely on. */
export const EXIT = {
  ok: 0,
  /** Anything else: NATS unreachable, a server error. */
  failure: 1,
  /** Bad command line: unknown command, missing or invalid flag. */
  usage: 2,
  /** The app, user or token named does not exist. */
  notFound: 3,
  /** A create found the id, uname or token taken (nothing was changed). */
  conflict: 4,
} as const;

export interface CliContext {
  nc: NatsConnection;
  names: Names;
  /** Writes one line of the result to stdout. */
  print(line: string): void;
  /** Writes a remark for the operator to stderr (never part of the result); default console.error. */
  note?(line: string): void;
}

export type Flags = Record<string, string | boolean | undefined>;

export interface CliAction {
  /** The words after the command, e.g. "user create". */
  name: string;
  /** Flags, as shown in help, e.g. "--uname NAME [--id AUTH_ID]". */
  usage: string;
  /** What it does, in a few words (help). */
  summary: string;
  options?: NonNullable<ParseArgsConfig["options"]>;
  run(flags: Flags, ctx: CliContext): Promise<void>;
}

export interface CliCommandSpec {
  summary: string;
  actions: CliAction[];
  /** Lines shown after the actions in help. */
  notes?: string[];
}

/** One top-level CLI command (`npm run cli -- <name> <action> [--flags]`). */
export interface CliCommand extends CliCommandSpec {
  /** Runs the action `argv` names with its flags; throws UsageError for a bad command line. */
  run(argv: string[], ctx: CliContext): Promise<void>;
}

export function defineCommand(spec: CliCommandSpec): CliCommand {
  const command: CliCommand = {
    ...spec,
    async run(argv, ctx) {
      const found = findAction(command, argv);
      if (!found) throw new UsageError(`unknown action: ${argv.filter((w) => !w.startsWith("-")).join(" ") || "(none)"}`);
      await found.action.run(parseFlags(found.action, found.rest), ctx);
    },
  };
  return command;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
}

/**
 * The action's flags; throws (ERR_PARSE_ARGS_*) for an unknown or malformed one. A negative
 * number is a value (`--amount -20000`), not a flag.
 */
export function parseFlags(action: CliAction, args: string[]): Flags {
  const options = action.options ?? {};
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    const name = arg.startsWith("--") ? arg.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return parseArgs({ args: joined, options, allowPositionals: false, strict: true }).values as Flags;
}

/** The action whose name matches the longest prefix of `words`, with the words left over. */
export function findAction(command: CliCommandSpec, words: string[]): { action: CliAction; rest: string[] } | undefined {
  let best: { action: CliAction; rest: string[] } | undefined;
  for (const action of command.actions) {
    const parts = action.name.split(" ");
    if (parts.every((p, i) => words[i] === p) && (!best || parts.length > best.action.name.split(" ").length)) {
      best = { action, rest: words.slice(parts.length) };
    }
  }
  return best;
}

export function usageLines(name: string, command: CliCommandSpec): string[] {
  return [...command.actions.flatMap((a) => [`${name} ${a.name} ${a.usage}`.trimEnd(), `    ${a.summary}`]), ...(command.notes ?? [])];
}

export function requireFlag(values: Flags, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

export function intFlag(values: Flags, name: string): number {
  const raw = requireFlag(values, name);
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be an integer, got ${raw}`);
  return n;
}

export function optionalInt(values: Flags, name: string): number | undefined {
  return values[name] === undefined ? undefined : intFlag(values, name);
}

export function note(ctx: CliContext, line: string): void {
  (ctx.note ?? ((l: string) => console.error(l)))(line);
}

/** Prints a value as one line of JSON: what scripts parse. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.print(JSON.stringify(value));
}
