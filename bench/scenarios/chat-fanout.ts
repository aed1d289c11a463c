/**
 * Chat fan-out through the full path — client `new_message` -> gateway -> chat (PostgreSQL
 * insert) -> NATS -> gateway -> N sockets of one app — next to a bare socket.io server that
 * receives the same post and broadcasts the same payload to the same N clients, in the same
 * run. Reports deliveries/s and p50/p99 delivery latency, and the ratios.
 *
 * Args: sizes=1000,5000  messages=20 (per size and server)  NATS_URL / DATABASE_URL from env.
 * Loopback only; every loop is bounded in count and time.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Server } from "socket.io";
import { io as connectIo, type Socket as ClientSocket } from "socket.io-client";
import { pino } from "pino";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createNames } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { applyMigrations, dropDatabase, ensureDatabase } from "@socketpot/chat";
import { GatewayEnv, createGatewayService } from "@socketpot/gateway";

const CONNECT_CONCURRENCY = 100;
const PHASE_TIMEOUT_MS = 45_000;

interface Measured {
  deliveries: number;
  expected: number;
  seconds: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function inBatches<T>(count: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, (_, j) => make(i + j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

function openClient(url: string): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    const c = connectIo(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 20_000 });
    const timer = setTimeout(() => reject(new Error("connect timeout")), 30_000);
    c.once("connect", () => {
      clearTimeout(timer);
      resolve(c);
    });
    c.once("connect_error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function ack<T>(c: ClientSocket, event: string, payload: unknown, timeoutMs = 20_000): Promise<[string | null, T | undefined]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), timeoutMs);
    c.emit(event, payload, (err: string | null, result?: T) => {
      clearTimeout(timer);
      resolve([err, result]);
    });
  });
}

/**
 * Sends `messages` posts from `sender` as fast as it can and waits until every receiver
 * got every one (or the phase times out). Latency: receive time minus send time of that
 * message, same process clock.
 */
async function measure(sender: ClientSocket, receivers: ClientSocket[], messages: number, tag: string): Promise<Measured> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const expected = receivers.length * messages;
  let lastAt = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const onMessage = (m: { text: string }) => {
    const t0 = sentAt.get(m.text);
    if (t0 === undefined) return;
    const now = performance.now();
    latencies.push(now - t0);
    lastAt = now;
    if (latencies.length === expected) done();
  };
  for (const r of receivers) r.on("new_message", onMessage);
  const firstAt = performance.now();
  for (let i = 0; i < messages; i++) {
    const text = `${tag} ${i}`;
    sentAt.set(text, performance.now());
    sender.emit("new_message", { text }, () => undefined);
  }
  const timeout = new Promise<void>((r) => setTimeout(r, PHASE_TIMEOUT_MS).unref());
  await Promise.race([finished, timeout]);
  for (const r of receivers) r.off("new_message", onMessage);
  latencies.sort((a, b) => a - b);
  return {
    deliveries: latencies.length,
    expected,
    seconds: (lastAt - firstAt) / 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function bareRun(n: number, messages: number): Promise<Measured> {
  const http = createServer();
  const io = new Server(http, { allowEIO3: true });
  io.on("connection", (socket) => {
    socket.on("new_message", (payload: { text: string }, cb: (err: null, m: unknown) => void) => {
      const message = { id: 1, channel: "lobby", text: payload.text, created_at: new Date().toISOString(), user: { uname: "bench", auth_id: 1, role: "MEMBER" } };
      io.emit("new_message", message);
      cb(null, message);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const receivers = await inBatches(n, () => openClient(url));
  const sender = await openClient(url);
  try {
    await measure(sender, receivers, 5, "warmup");
    return await measure(sender, receivers, messages, "bench");
  } finally {
    for (const c of [...receivers, sender]) c.close();
    await new Promise<void>((r) => io.close(() => r()));
  }
}

const CHAT_MAIN = fileURLToPath(new URL("../../services/chat/src/main.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

async function spawnChat(env: Record<string, string>): Promise<{ stop(): Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", CHAT_MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chat not ready:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes("chat started")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => reject(new Error(`chat exited:\n${out}`)));
  });
  child.stdout.resume();
  child.stderr.resume();
  return {
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

interface FullPath {
  url: string;
  token: string;
  appId: number;
  stop(): Promise<void>;
}

async function startFullPath(): Promise<FullPath> {
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const server = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  server.pathname = `/socketpot_bench_${randomBytes(4).toString("hex")}`;
  const databaseUrl = server.toString();
  await ensureDatabase(databaseUrl);
  await applyMigrations(databaseUrl);
  const namespace = `bench_${randomBytes(4).toString("hex")}`;
  const names = createNames(namespace);
  const log = pino({ level: "silent" });
  const ncChat: NatsConnection = await connect({ servers: natsUrl, name: "bench-chat" });
  const ncGateway: NatsConnection = await connect({ servers: natsUrl, name: "bench-gateway" });
  const writer = new DirectoryWriter(await openDirectoryBucket(ncChat, names));
  const owner = await writer.createUser({ uname: "bench_owner" });
  const app = await writer.createApp({ name: "bench", owner_auth_id: owner.auth_id });
  const poster = await writer.createUser({ uname: "bench_poster" });
  const token = await writer.issueToken({ app_id: app.id, auth_id: poster.auth_id });

  // Chat runs as its own process, as in production; the gateway shares this process with
  // the clients, as the bare server does.
  const chat = await spawnChat({
    NATS_URL: natsUrl,
    SOCKETPOT_NAMESPACE: namespace,
    DATABASE_URL: databaseUrl,
    CHAT_RATE_LIMIT_COUNT: "0",
    LOG_LEVEL: "info",
  });
  const gateway = createGatewayService({
    config: GatewayEnv.parse({ NATS_URL: natsUrl, SOCKETPOT_NAMESPACE: namespace, PORT: "0", HOST: "127.0.0.1", RPC_TIMEOUT_MS: "20000", PUBLIC_DIR: "" }),
    nc: ncGateway,
    log,
  });
  const { port } = await gateway.start();
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    appId: app.id,
    async stop() {
      await gateway.stop();
      await chat.stop();
      const jsm = await jetstreamManager(ncChat);
      for await (const s of jsm.streams.list()) {
        if (s.config.name.includes(namespace)) await jsm.streams.delete(s.config.name).catch(() => undefined);
      }
      await ncGateway.close();
      await ncChat.close();
      await dropDatabase(databaseUrl);
    },
  };
}

async function fullRun(path: FullPath, n: number, messages: number): Promise<Measured> {
  const authed = async (token?: string) => {
    const c = await openClient(path.url);
    const [err] = await ack(c, "auth", { app_id: path.appId, access_token: token, subscriptions: ["CHAT"] });
    if (err) throw new Error(`auth failed: ${err}`);
    return c;
  };
  const receivers = await inBatches(n, () => authed());
  const sender = await authed(path.token);
  try {
    await measure(sender, receivers, 5, "warmup");
    return await measure(sender, receivers, messages, "bench");
  } finally {
    for (const c of [...receivers, sender]) c.close();
  }
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : "n/a");

export default {
  name: "chat-fanout",
  description: "chat post -> chat -> NATS -> gateway -> N sockets, against a bare socket.io broadcast to the same N",
  async run(args: Record<string, string>) {
    const sizes = (args.sizes ?? "1000,5000").split(",").map(Number).filter((n) => n > 0 && n <= 5000);
    const messages = Math.min(100, Math.max(1, Number(args.messages ?? 40)));
    const rows: Record<string, string | number>[] = [];
    const path = await startFullPath();
    try {
      for (const n of sizes) {
        const bare = await bareRun(n, messages);
        const full = await fullRun(path, n, messages);
        const bareRate = bare.deliveries / bare.seconds;
        const fullRate = full.deliveries / full.seconds;
        rows.push({
          N: n,
          messages,
          "bare deliveries/s": Math.round(bareRate),
          "socketpot deliveries/s": Math.round(fullRate),
          "throughput ratio": `${fmt((fullRate / bareRate) * 100, 0)}%`,
          "bare p50 ms": fmt(bare.p50),
          "bare p99 ms": fmt(bare.p99),
          "socketpot p50 ms": fmt(full.p50),
          "socketpot p99 ms": fmt(full.p99),
          "p99 ratio": `${fmt(full.p99 / bare.p99, 2)}x`,
          delivered: `${full.deliveries}/${full.expected} (bare ${bare.deliveries}/${bare.expected})`,
        });
      }
    } finally {
      await path.stop();
    }
    return {
      title: "Chat fan-out: full path vs bare socket.io (same run, same clients)",
      rows,
      notes: [
        "Full path: sender socket -> gateway -> NATS request -> chat (mute check, insert into PostgreSQL) -> NATS publish -> gateway -> socket.io room of the app.",
        "Bare: the same sender event to a plain socket.io server that broadcasts the same payload with io.emit.",
        "Messages are sent back to back; deliveries/s = deliveries / (last delivery - first send). Latency per delivery = receive - send (one clock).",
        "Clients, servers, NATS and PostgreSQL share one 2-core machine (websocket transport, loopback).",
      ],
    };
  },
};
