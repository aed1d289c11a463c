/**
 * The baseline: a bare socket.io 4 server doing the same socket work as the gateway with no
 * NATS, no auth, no database. Runs as a child process (see `startBareServer`).
 *
 * Socket work:
 *  - `auth` (req, cb): joins the room `app:<app_id>` (and `user:<token>` when a token is
 *    given, like a DEPOSITS subscription), acks `{ subscriptions }`.
 *  - `new_message` (payload, cb): emits `new_message` to the socket's app room, acks the payload.
 * IPC requests: memory, cpu, count, broadcast, stop.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { serveIpc } from "./ipc";
import { nowMs, probeHandlers } from "./probe";
import { stampPayload } from "./stamp";

interface BareOptions {
  port: number;
  host: string;
  /** listen(2) backlog (Node's default is 511; the gateway's LISTEN_BACKLOG default is 4096). */
  backlog?: number;
}

const opts: BareOptions = { port: 0, host: "127.0.0.1", ...(JSON.parse(process.argv[2] ?? "{}") as Partial<BareOptions>) };

const http = createServer();
const io = new Server(http, { allowEIO3: true, cors: { origin: true } });

io.on("connection", (socket) => {
  let room: string | undefined;
  socket.on("auth", (req: unknown, cb: unknown) => {
    if (typeof cb !== "function") return;
    const r = (typeof req === "object" && req !== null ? req : {}) as { app_id?: unknown; subscriptions?: unknown; access_token?: unknown };
    const appId = typeof r.app_id === "number" ? r.app_id : 0;
    room = `app:${appId}`;
    void socket.join(room);
    if (typeof r.access_token === "string") void socket.join(`user:${appId}:${r.access_token}`);
    cb(null, { subscriptions: Array.isArray(r.subscriptions) ? r.subscriptions : [] });
  });
  socket.on("new_message", (payload: unknown, cb: unknown) => {
    if (room) io.to(room).emit("new_message", payload);
    if (typeof cb === "function") cb(null, payload);
  });
});

interface BroadcastRequest {
  room?: string;
  event: string;
  payload: unknown;
  count: number;
  /** Messages per second; 0 or absent = as fast as possible. */
  ratePerSec?: number;
}

async function broadcast(req: BroadcastRequest): Promise<{ sent: number; startedAt: number; finishedAt: number }> {
  const count = Math.min(Math.max(0, Math.floor(req.count)), 1_000_000);
  const startedAt = nowMs();
  const gapMs = req.ratePerSec && req.ratePerSec > 0 ? 1000 / req.ratePerSec : 0;
  for (let i = 0; i < count; i++) {
    if (gapMs > 0) {
      const due = startedAt + i * gapMs;
      const wait = due - nowMs();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    } else if (i % 100 === 99) {
      await new Promise((r) => setImmediate(r));
    }
    const target = req.room ? io.to(req.room) : io;
    target.emit(req.event, stampPayload(req.payload, nowMs(), i));
  }
  return { sent: count, startedAt, finishedAt: nowMs() };
}

const ipc = serveIpc({
  ...probeHandlers(),
  count: () => ({ sockets: io.engine.clientsCount }),
  broadcast: (req: BroadcastRequest) => broadcast(req),
  stop: async () => {
    // Like a process restart: transports close, clients reconnect on their own.
    await new Promise<void>((resolve) => io.close(() => resolve()));
    return { stopped: true };
  },
});

http.listen({ port: opts.port, host: opts.host, backlog: opts.backlog ?? 4096 }, () => {
  const port = (http.address() as AddressInfo).port;
  ipc.emit("ready", { port });
});

// Exit through process.exit on SIGTERM, so a --cpu-prof profile is written.
process.once("SIGTERM", () => process.exit(0));
