import type { NatsConnection } from "@nats-io/transport-node";
import type { Names } from "@socketpot/contracts";

export interface CliContext {
  nc: NatsConnection;
  names: Names;
  /** Writes a line for the operator (stdout). */
  print(line: string): void;
}

/** One top-level CLI command (`npm run cli -- <name> <action> [--flags]`). */
export interface CliCommand {
  summary: string;
  /** Lines of usage, shown by `help`. */
  usage: string[];
  run(argv: string[], ctx: CliContext): Promise<void>;
}

export class UsageError extends Error {
  override name = "UsageError";
}

export function requireFlag(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

export function intFlag(values: Record<string, string | boolean | undefined>, name: string): number {
  const raw = requireFlag(values, name);
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new UsageError(`--${name} must be an integer, got ${raw}`);
  return n;
}
