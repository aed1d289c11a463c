/**
 * Server child processes under test: the bare socket.io baseline here, the gateway in
 * gateway.ts. Both run with --expose-gc and answer the probe requests (memory, cpu).
 */
import { fileURLToPath } from "node:url";
import { ChildHandle } from "./ipc";
import { compiledChild } from "./compiled";
import type { CpuReading, MemoryReading } from "./probe";

export interface ServerChild {
  readonly kind: string;
  readonly port: number;
  readonly url: string;
  readonly handle: ChildHandle;
  memory(): Promise<MemoryReading>;
  cpu(): Promise<CpuReading>;
  stop(): Promise<void>;
}

/** The same listen backlog as the gateway's default (LISTEN_BACKLOG), so storms compare like for like. */
export const BARE_BACKLOG = 4096;

const BARE = fileURLToPath(new URL("./bare-server.ts", import.meta.url));

export interface BroadcastRequest {
  /** socket.io room; the bare server puts each authenticated socket in `app:<app_id>`. */
  room?: string;
  event: string;
  /** Template; `{{t}}` / `{{i}}` in strings become the send time / index (see stamp.ts). */
  payload: unknown;
  count: number;
  ratePerSec?: number;
}

export interface BareServer extends ServerChild {
  count(): Promise<number>;
  broadcast(req: BroadcastRequest, timeoutMs?: number): Promise<{ sent: number; startedAt: number; finishedAt: number }>;
}

export function readyPort(handle: ChildHandle): number {
  const port = (handle.readyData as { port?: unknown } | undefined)?.port;
  if (typeof port !== "number") throw new Error(`${handle.name} did not report its port`);
  return port;
}

export function probeOf(handle: ChildHandle): Pick<ServerChild, "memory" | "cpu"> {
  return {
    memory: () => handle.call<MemoryReading>("memory", {}, 30_000),
    cpu: () => handle.call<CpuReading>("cpu", {}, 10_000),
  };
}

/** Start the bare socket.io baseline on 127.0.0.1 (port 0 = any free port). */
export async function startBareServer(opts: { port?: number } = {}): Promise<BareServer> {
  const child = await compiledChild(BARE);
  const handle = await ChildHandle.fork(child.path, {
    plain: !child.tsx,
    name: "bare-socket.io",
    args: [JSON.stringify({ port: opts.port ?? 0, host: "127.0.0.1", backlog: BARE_BACKLOG })],
    // BENCH_BARE_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof-bare", profiles the baseline.
    nodeFlags: ["--expose-gc", ...(process.env.BENCH_BARE_NODE_FLAGS ?? "").split(" ").filter(Boolean)],
  });
  const port = readyPort(handle);
  return {
    kind: "bare",
    port,
    url: `http://127.0.0.1:${port}`,
    handle,
    ...probeOf(handle),
    count: async () => (await handle.call<{ sockets: number }>("count", {}, 10_000)).sockets,
    broadcast: (req, timeoutMs = 120_000) => handle.call("broadcast", req, timeoutMs),
    stop: () => handle.stop(15_000),
  };
}
