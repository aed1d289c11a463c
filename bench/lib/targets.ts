/**
 * A target is a server a scenario measures: the bare socket.io baseline or the Socketpot
 * gateway. Scenarios run the same socket work against each and report ratios to "bare".
 */
import type { Names } from "@socketpot/contracts";
import type { AuthSpec } from "./pool-worker";
import { startBareServer, type ServerChild } from "./servers";

export interface Target {
  kind: "bare" | "gateway";
  /** How the sockets authenticate (the bare server acks any `auth`). */
  auth: AuthSpec;
  /** Make `count` distinct access tokens available (seeding users when needed). */
  prepare(count: number): Promise<void>;
  /** Tokens for sockets [0, count); undefined when the target needs none. */
  tokens(count: number): (string | null)[] | undefined;
  /** Start a fresh server child (on `port` when given, for restarts). */
  start(port?: number): Promise<ServerChild>;
  dispose(): Promise<void>;
  /** Publish one fan-out message on NATS (gateway targets): subject from `names`, JSON body. */
  publish?(subject: (names: Names) => string, body: unknown): void;
  /** Service processes the target runs besides its server (bet-stream for BETS), for CPU readings. */
  serviceProcesses?(): Promise<{ name: string; pid: number | undefined }[]>;
  flush?(): Promise<void>;
}

export function bareTarget(subscriptions: string[] = ["DEPOSITS", "BETS"], anonymous = false): Target {
  return {
    kind: "bare",
    auth: { app_id: 1, subscriptions },
    prepare: async () => undefined,
    // The bare server puts a socket with a token in a room of its own (as DEPOSITS does).
    tokens: (count) => (anonymous ? undefined : Array.from({ length: count }, (_, i) => `bare-${i}`)),
    start: (port) => startBareServer({ port }),
    dispose: async () => undefined,
  };
}

/** `--subscriptions` (default DEPOSITS,BETS): what the sockets authenticate for. */
export function subscriptionsArg(args: Record<string, string>): string[] {
  return (args.subscriptions ?? "DEPOSITS,BETS").split(",").map((s) => s.trim().toUpperCase());
}

/** `--anonymous`: the sockets authenticate without an access token (CHAT read-only, BETS). */
export function anonymousArg(args: Record<string, string>): boolean {
  return args.anonymous !== undefined && args.anonymous !== "false";
}

/**
 * Targets named by `--targets` (default "bare,gateway"). The gateway target is loaded
 * lazily so the baseline runs even where the gateway cannot start.
 */
export async function makeTargets(args: Record<string, string>, subscriptions: string[], anonymous = false): Promise<Target[]> {
  const names = (args.targets ?? "bare,gateway").split(",").map((s) => s.trim()).filter(Boolean);
  const targets: Target[] = [];
  for (const name of names) {
    if (name === "bare") targets.push(bareTarget(subscriptions, anonymous));
    else if (name === "gateway") {
      const { gatewayTarget } = await import("./gateway");
      targets.push(await gatewayTarget({ subscriptions, anonymous }));
    } else throw new Error(`--targets: unknown target "${name}" (bare, gateway)`);
  }
  return targets;
}
