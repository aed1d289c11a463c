/**
 * The peer a team would otherwise deploy for chat: a socket.io 4 node, alone (the bare
 * baseline) or one of several joined by `@socket.io/redis-adapter` (the clustered peer).
 * Runs as a child process (see `startSioNode`).
 *
 * Socket work, the same on every node:
 *  - `auth` (req, cb): joins `app:<app_id>`, acks `{ subscriptions }`.
 *  - `new_message` ({ text }, cb): builds a chat message like the chat service's (id,
 *    channel, text, created_at, user) and emits it to the socket's app room — with the
 *    Redis adapter, to that room on every node — then acks the message. No persistence.
 * IPC requests: memory, cpu, count, stop.
 *
 * argv[2]: JSON { port, host, redisUrl?, key? } (key: the adapter's channel prefix, random
 * per run so runs never hear each other).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { serveIpc } from "./ipc";
import { probeHandlers } from "./probe";

interface NodeOptions {
  port: number;
  host: string;
  redisUrl?: string;
  key?: string;
}

const opts: NodeOptions = { port: 0, host: "127.0.0.1", ...(JSON.parse(process.argv[2] ?? "{}") as Partial<NodeOptions>) };

const http = createServer();
const io = new Server(http, { allowEIO3: true, cors: { origin: true } });
let closeRedis: () => Promise<void> = async () => undefined;

if (opts.redisUrl) {
  const [{ createClient }, { createAdapter }] = await Promise.all([import("redis"), import("@socket.io/redis-adapter")]);
  const pub = createClient({ url: opts.redisUrl });
  const sub = pub.duplicate();
  pub.on("error", (err: unknown) => console.error("redis pub error", err));
  sub.on("error", (err: unknown) => console.error("redis sub error", err));
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub, { key: opts.key ?? "socket.io" }));
  closeRedis = async () => {
    await Promise.allSettled([pub.quit(), sub.quit()]);
  };
}

let nextId = 1;
io.on("connection", (socket) => {
  let room: string | undefined;
  socket.on("auth", (req: unknown, cb: unknown) => {
    if (typeof cb !== "function") return;
    const r = (typeof req === "object" && req !== null ? req : {}) as { app_id?: unknown; subscriptions?: unknown };
    room = `app:${typeof r.app_id === "number" ? r.app_id : 0}`;
    void socket.join(room);
    cb(null, { subscriptions: Array.isArray(r.subscriptions) ? r.subscriptions : [] });
  });
  socket.on("new_message", (payload: unknown, cb: unknown) => {
    const text = typeof payload === "object" && payload !== null ? (payload as { text?: unknown }).text : undefined;
    if (!room || typeof text !== "string") {
      if (typeof cb === "function") cb("INVALID_REQUEST");
      return;
    }
    const message = {
      id: nextId++,
      channel: "lobby",
      text: text.trim(),
      created_at: new Date().toISOString(),
      user: { uname: "bench_poster", role: "MEMBER" },
    };
    io.to(room).emit("new_message", message);
    if (typeof cb === "function") cb(null, message);
  });
});

const ipc = serveIpc({
  ...probeHandlers(),
  count: () => ({ sockets: io.engine.clientsCount }),
  stop: async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await closeRedis();
    return { stopped: true };
  },
});

http.listen({ port: opts.port, host: opts.host, backlog: 4096 }, () => {
  ipc.emit("ready", { port: (http.address() as AddressInfo).port, pid: process.pid });
});
