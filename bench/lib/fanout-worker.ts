/**
 * One client process of the chat fan-out benchmarks (driven by fanout-clients.ts): holds a
 * share of the receivers of one system under test, spread round robin over its server
 * nodes, and (in the first process of a set) the poster. Receivers count each `new_message`
 * of the armed round by its sequence number and report `done` over IPC when every receiver
 * of this process has it, so the driver can keep a fixed number of messages in flight.
 *
 * Message text: `<tag> <seq> t=<send time, epoch ms>`; latency = receive time - send time.
 * Every wait is bounded by a deadline.
 */
import { io, type Socket } from "socket.io-client";
import { Histogram } from "./histogram";
import { serveIpc } from "./ipc";
import { cpuReading, nowMs } from "./probe";

export interface FanoutAuth {
  app_id: number;
  subscriptions: string[];
  access_token?: string;
}

export interface FanoutOpenRequest {
  urls: string[];
  /** Index of this process's first socket in the whole set: keeps the split over nodes even. */
  offset: number;
  count: number;
  auth: FanoutAuth;
  concurrency: number;
  timeoutMs: number;
}

export interface FanoutCollect {
  received: number;
  hist: ReturnType<Histogram["toJSON"]>;
  ackErrors: Record<string, number>;
}

const receivers: Socket[] = [];
let poster: Socket | undefined;
let tag = "";
let expected = 0;
let counts = new Map<number, number>();
let received = 0;
let hist = new Histogram();
let ackErrors: Record<string, number> = {};

function connectOne(url: string, auth: FanoutAuth, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: timeoutMs });
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error("socket:timeout"));
    }, timeoutMs);
    socket.once("connect_error", (err: Error) => {
      clearTimeout(timer);
      reject(new Error(`connect_error:${err.message}`));
    });
    socket.once("connect", () => {
      socket.timeout(timeoutMs).emit("auth", auth, (timeoutErr: Error | null, err: unknown) => {
        clearTimeout(timer);
        if (timeoutErr) return reject(new Error("auth:timeout"));
        if (err) return reject(new Error(`auth:${String(err)}`));
        resolve(socket);
      });
    });
  });
}

function onMessage(m: unknown): void {
  const text = typeof m === "object" && m !== null ? (m as { text?: unknown }).text : undefined;
  if (typeof text !== "string" || !text.startsWith(tag) || tag === "") return;
  const [t, seqText, stamp] = text.split(" ");
  if (t !== tag || seqText === undefined || stamp === undefined) return;
  const seq = Number(seqText);
  const sentAt = Number(stamp.slice(2));
  received++;
  hist.record(nowMs() - sentAt);
  const n = (counts.get(seq) ?? 0) + 1;
  counts.set(seq, n);
  if (n === expected) {
    counts.delete(seq);
    ipc.emit("done", { tag, seq });
  }
}

async function open(req: FanoutOpenRequest): Promise<{ ready: number; errors: Record<string, number> }> {
  const errors: Record<string, number> = {};
  const deadline = Date.now() + req.timeoutMs;
  let next = 0;
  const lane = async () => {
    while (next < req.count && Date.now() < deadline) {
      const i = next++;
      const url = req.urls[(req.offset + i) % req.urls.length]!;
      try {
        const s = await connectOne(url, req.auth, Math.min(30_000, req.timeoutMs));
        s.on("new_message", onMessage);
        receivers.push(s);
      } catch (err) {
        const key = err instanceof Error ? err.message : String(err);
        errors[key] = (errors[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(req.concurrency, req.count)) }, lane));
  return { ready: receivers.length, errors };
}

async function openPoster(req: { url: string; auth: FanoutAuth; timeoutMs: number }): Promise<{ ok: true }> {
  poster = await connectOne(req.url, req.auth, req.timeoutMs);
  return { ok: true };
}

/** Start counting round `tag`; returns how many receivers this process holds. */
function arm(req: { tag: string }): { receivers: number } {
  tag = req.tag;
  expected = receivers.filter((s) => s.connected).length;
  counts = new Map();
  received = 0;
  hist = new Histogram();
  ackErrors = {};
  return { receivers: expected };
}

function post(req: { tag: string; seq: number }): { sent: true } {
  if (!poster) throw new Error("no poster in this process");
  poster.timeout(30_000).emit("new_message", { text: `${req.tag} ${req.seq} t=${nowMs().toFixed(3)}` }, (timeoutErr: Error | null, err: unknown) => {
    const key = timeoutErr ? "ack:timeout" : err ? `ack:${String(err)}` : undefined;
    if (key) ackErrors[key] = (ackErrors[key] ?? 0) + 1;
  });
  return { sent: true };
}

function collect(): FanoutCollect {
  return { received, hist: hist.toJSON(), ackErrors: { ...ackErrors } };
}

function close(): { closed: number } {
  const n = receivers.length + (poster ? 1 : 0);
  for (const s of receivers) {
    s.removeAllListeners();
    s.disconnect();
  }
  receivers.length = 0;
  poster?.disconnect();
  poster = undefined;
  tag = "";
  return { closed: n };
}

const ipc = serveIpc({ open, openPoster, arm, post, collect, close, cpu: cpuReading, stop: close });
ipc.emit("ready", { pid: process.pid });
