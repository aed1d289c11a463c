/**
 * The systems the chat fan-out benchmarks compare, each started as separate server
 * processes on loopback:
 *  - Socketpot: `gateways` gateway processes and the chat service (PostgreSQL insert per
 *    post) on one NATS namespace;
 *  - socket.io + @socket.io/redis-adapter: `nodes` socket.io processes joined through Redis;
 *  - bare socket.io: one process, no adapter.
 * Each says which processes its server CPU counts (`counted`: gateways + NATS server, nodes
 * + Redis) and which it reports on the side (`side`: chat service + its PostgreSQL backends).
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import pg from "pg";
import { createBenchDatabase } from "./bench-database";
import { EDGE_LIMITS_OFF } from "@socketpot/gateway";
import { spawnChat } from "./chat-child";
import { BENCH_APP_ID, BenchDirectory, natsUrl, startGatewayChild, type GatewayServer } from "./gateway";
import { ChildHandle } from "./ipc";
import { natsServerProcess, pidListeningOn, portOf, redisProcess, type ExternalProcess } from "./proc-cpu";
import { readyPort } from "./servers";
import type { FanoutAuth } from "./fanout-worker";

export interface FanoutSystem {
  label: string;
  nodeUrls: string[];
  receiverAuth: FanoutAuth;
  posterAuth: FanoutAuth;
  /** Processes whose CPU is the system's server CPU. */
  counted(): Promise<ExternalProcess[]>;
  /** Processes reported next to it (the chat service and its database backends). */
  side(): Promise<ExternalProcess[]>;
  stop(): Promise<void>;
}

const SIO_NODE = fileURLToPath(new URL("./sio-node.ts", import.meta.url));

function childProcess(name: string, handle: ChildHandle): ExternalProcess {
  return { name, pid: handle.child.pid };
}

export async function startSocketpot(gateways: number): Promise<FanoutSystem> {
  const dir = await BenchDirectory.create();
  const cleanups: (() => Promise<unknown>)[] = [() => dir.dispose()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err: unknown) => console.error(`[bench] cleanup: ${String(err)}`));
  };
  try {
    await dir.seedUsers(1);
    const db = await createBenchDatabase();
    cleanups.push(() => db.drop());
    const { url: databaseUrl, name: dbName } = db;
    const chat = await spawnChat({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: dir.namespace, DATABASE_URL: databaseUrl, CHAT_RATE_LIMIT_COUNT: "0", CHAT_POST_PER_USER: "64", LOG_LEVEL: "info" });
    cleanups.push(() => chat.stop());
    cleanups.push(async () => {
      const jsm = await jetstreamManager(dir.nc);
      const streams: string[] = [];
      // The directory bucket (KV_...) goes with dir.dispose().
      for await (const s of jsm.streams.list()) if (s.config.name.includes(dir.namespace) && !s.config.name.startsWith("KV_")) streams.push(s.config.name);
      for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
    });
    const gws: GatewayServer[] = [];
    for (let i = 0; i < gateways; i++) {
      // One poster posts tens of messages a second, far over a user's edge limits (10/s per
      // socket): they are off, as the peer has none; their checks still run per event. Chat
      // likewise runs without flood control and lets one user have 64 posts in flight.
      const gw = await startGatewayChild(dir.namespace, { env: { RPC_TIMEOUT_MS: "20000", ...EDGE_LIMITS_OFF } });
      gws.push(gw);
      cleanups.push(() => gw.stop());
    }
    const anon: FanoutAuth = { app_id: BENCH_APP_ID, subscriptions: ["CHAT"] };
    return {
      label: gateways === 1 ? "Socketpot (1 gateway)" : `Socketpot (${gateways} gateways)`,
      nodeUrls: gws.map((g) => g.url),
      receiverAuth: anon,
      posterAuth: { ...anon, access_token: dir.tokens[0]! },
      counted: async () => [...gws.map((g, i) => childProcess(`gateway ${i + 1}`, g.handle)), natsServerProcess()],
      side: async () => [{ name: "chat service", pid: chat.child.pid }, ...(await postgresBackends(databaseUrl, dbName))],
      stop: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The PostgreSQL backend processes serving the chat service's database. */
async function postgresBackends(databaseUrl: string, dbName: string): Promise<ExternalProcess[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const r = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [dbName]);
    return r.rows.map((row) => ({ name: `PostgreSQL backend ${row.pid}`, pid: row.pid }));
  } finally {
    await client.end();
  }
}

async function forkSioNode(name: string, opts: { redisUrl?: string; key?: string }): Promise<ChildHandle> {
  return ChildHandle.fork(SIO_NODE, { name, args: [JSON.stringify({ port: 0, host: "127.0.0.1", ...opts })], readyTimeoutMs: 60_000 });
}

export function redisUrl(): string {
  return process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** Starts the local Redis the way .ci/run starts NATS (start-stop-daemon) when nothing listens on its port. */
export function ensureRedis(url = redisUrl()): void {
  const port = portOf(url, 6379);
  if (pidListeningOn(port) !== undefined) return;
  const host = new URL(url).hostname;
  if (host !== "127.0.0.1" && host !== "localhost") throw new Error(`Redis at ${url} is not reachable and is not local`);
  console.error(`[bench] starting Redis on 127.0.0.1:${port}`);
  execFileSync("start-stop-daemon", ["--start", "--oknodo", "--background", "--exec", "/usr/bin/redis-server", "--", "--bind", "127.0.0.1", "--port", String(port), "--save", ""], { stdio: "inherit" });
  const deadline = Date.now() + 10_000;
  while (pidListeningOn(port) === undefined) {
    if (Date.now() > deadline) throw new Error(`Redis did not start on port ${port}`);
    execFileSync("sleep", ["0.2"]);
  }
}

export async function startSioCluster(nodes: number): Promise<FanoutSystem> {
  const url = redisUrl();
  ensureRedis(url);
  const key = `bench_${randomBytes(4).toString("hex")}`;
  const handles: ChildHandle[] = [];
  try {
    for (let i = 0; i < nodes; i++) handles.push(await forkSioNode(`sio-redis-${i + 1}`, { redisUrl: url, key }));
  } catch (err) {
    await Promise.all(handles.map((h) => h.stop(10_000)));
    throw err;
  }
  const auth: FanoutAuth = { app_id: BENCH_APP_ID, subscriptions: ["CHAT"] };
  return {
    label: `socket.io + redis-adapter (${nodes} nodes)`,
    nodeUrls: handles.map((h) => `http://127.0.0.1:${readyPort(h)}`),
    receiverAuth: auth,
    posterAuth: auth,
    counted: async () => [...handles.map((h, i) => childProcess(`node ${i + 1}`, h)), redisProcess(url)],
    side: async () => [],
    stop: async () => {
      await Promise.all(handles.map((h) => h.stop(10_000)));
    },
  };
}

export async function startSioBare(): Promise<FanoutSystem> {
  const handle = await forkSioNode("sio-bare", {});
  const auth: FanoutAuth = { app_id: BENCH_APP_ID, subscriptions: ["CHAT"] };
  return {
    label: "bare socket.io (1 process)",
    nodeUrls: [`http://127.0.0.1:${readyPort(handle)}`],
    receiverAuth: auth,
    posterAuth: auth,
    counted: async () => [childProcess("node", handle)],
    side: async () => [],
    stop: () => handle.stop(10_000),
  };
}
