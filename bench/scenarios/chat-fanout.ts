/**
 * Chat fan-out through the full path — client `new_message` -> gateway -> chat (PostgreSQL
 * insert) -> NATS -> gateway -> N sockets of one app — next to a bare socket.io server that
 * receives the same post and broadcasts the same payload to the same N clients, in the same
 * run. Reports deliveries/s and p50/p99 delivery latency, and the ratios.
 *
 * Flags: --sizes 1000,5000  --messages 20 (per size and server)  --rounds 4  NATS_URL / DATABASE_URL from env.
 * Loopback only; every loop is bounded in count and time.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { Server } from "socket.io";
import { pino } from "pino";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createNames } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { applyMigrations, dropDatabase, ensureDatabase } from "@socketpot/chat";
import { spawnChat } from "../lib/chat-child";
import { GatewayEnv, createGatewayService } from "@socketpot/gateway";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Measured {
  deliveries: number;
  expected: number;
  seconds: number;
  p50: number;
  p99: number;
}

/** A plain socket.io server: the same post in, the same payload broadcast with io.emit. */
async function startBare(): Promise<{ url: string; stop(): Promise<void> }> {
  const http = createServer();
  const io = new Server(http, { allowEIO3: true });
  io.on("connection", (socket) => {
    socket.on("new_message", (payload: { text: string }, cb: (err: null, m: unknown) => void) => {
      const message = {
        id: 1,
        channel: "lobby",
        text: payload.text,
        created_at: new Date().toISOString(),
        user: { uname: "bench_poster", auth_id: 1, role: "MEMBER" },
      };
      io.emit("new_message", message);
      cb(null, message);
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((r) => io.close(() => r())),
  };
}

const CLIENTS = fileURLToPath(new URL("../support/fanout-clients.ts", import.meta.url));

/** Runs the client process for one N; resolves with its measurements. */
function runClients(input: Record<string, unknown>): Promise<{ bare: Measured; full: Measured }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLIENTS, JSON.stringify(input)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000 + Number(input.n) * 60);
    child.once("exit", (code) => {
      clearTimeout(timer);
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as { bare: Measured; full: Measured });
      } catch {
        reject(new Error(`client process failed (${code}): ${err.slice(-2000)}`));
      }
    });
  });
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

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : "n/a");

export default {
  name: "chat-fanout",
  description: "chat post -> chat -> NATS -> gateway -> N sockets, against a bare socket.io broadcast to the same N",
  async run(args: Record<string, string>) {
    const sizes = (args.sizes ?? "1000,5000").split(",").map(Number).filter((n) => n > 0 && n <= 5000);
    const messages = Math.min(100, Math.max(1, Number(args.messages ?? 20)));
    const rows: Record<string, string | number>[] = [];
    const rounds = Math.min(10, Math.max(1, Number(args.rounds ?? 4)));
    const path = await startFullPath();
    const bareServer = await startBare();
    try {
      for (const n of sizes) {
        const { bare, full } = await runClients({
          bareUrl: bareServer.url,
          gatewayUrl: path.url,
          appId: path.appId,
          token: path.token,
          n,
          messages,
          rounds,
        });
        const bareRate = bare.deliveries / bare.seconds;
        const fullRate = full.deliveries / full.seconds;
        rows.push({
          N: n,
          messages: `${messages} (${rounds} interleaved rounds)`,
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
      await bareServer.stop();
      await path.stop();
    }
    return {
      title: "Chat fan-out: full path vs bare socket.io (same run, same clients)",
      rows,
      notes: [
        "Full path: sender socket -> gateway -> NATS request -> chat (mute check, insert into PostgreSQL) -> NATS publish -> gateway -> socket.io room of the app.",
        "Bare: the same sender event to a plain socket.io server that broadcasts the same payload with io.emit.",
        "Closed loop: each message is sent once every socket got the previous one; deliveries/s = deliveries / total time; latency per delivery = receive - send (one clock), so p99 is the time to reach nearly all N sockets.",
        "Servers (bare socket.io and the gateway) share one process; chat runs in its own process; the clients (N per server plus a sender each, websocket transport) run in a third; rounds alternate bare/socketpot so both see the same machine load.",
        "Everything (clients, servers, NATS, PostgreSQL) shares one 2-core machine on loopback.",
      ],
    };
  },
};
