/**
 * One load-generator process: holds a share of the socket.io clients and runs the commands
 * the parent `ClientPool` sends over IPC. Every loop is bounded by a count and a deadline.
 */
import { io, type Socket } from "socket.io-client";
import { Histogram } from "./histogram";
import { serveIpc } from "./ipc";
import { cpuReading, memoryAfterGc, nowMs } from "./probe";
import { readStamp, stampPayload } from "./stamp";

export interface AuthSpec {
  /** Event name; "auth" unless told otherwise. */
  event?: string;
  app_id: number;
  subscriptions: string[];
}

export interface OpenRequest {
  url: string;
  count: number;
  /** Access token per socket (index-aligned); absent or null = no token. */
  tokens?: (string | null)[];
  /** Emit this auth on every connect (first and reconnects); absent = ready on connect. */
  auth?: AuthSpec | null;
  transports?: ("websocket" | "polling")[];
  localAddress?: string;
  /** Connects in flight at once in this worker. */
  concurrency: number;
  /** Deadline for the whole command. */
  timeoutMs: number;
  /** Deadline for one socket to become ready. */
  socketTimeoutMs?: number;
  reconnection?: boolean;
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  /** Count (and time, when stampField is set) these server events on every socket. */
  listen?: { events: string[]; stampField?: string };
}

export interface OpenResult {
  requested: number;
  ready: number;
  failed: number;
  errors: Record<string, number>;
  connectHist: ReturnType<Histogram["toJSON"]>;
  readyHist: ReturnType<Histogram["toJSON"]>;
  startedAt: number;
  finishedAt: number;
}

export interface EmitRequest {
  event: string;
  /** Template; `{{t}}` and `{{i}}` in strings are replaced (see stamp.ts). */
  payload: unknown;
  count: number;
  /** Use only the first `sockets` ready sockets of this worker (round robin). */
  sockets?: number;
  ratePerSec?: number;
  /** Emits awaiting their ack at once. */
  concurrency?: number;
  ackTimeoutMs?: number;
  timeoutMs: number;
}

export interface EmitResult {
  sent: number;
  acked: number;
  errors: Record<string, number>;
  ackHist: ReturnType<Histogram["toJSON"]>;
  startedAt: number;
  finishedAt: number;
}

export interface BackResult {
  total: number;
  back: number;
  firstDisconnectAt: number | null;
  lastBackAt: number | null;
  backHist: ReturnType<Histogram["toJSON"]>;
  errors: Record<string, number>;
}

interface Slot {
  socket: Socket;
  token: string | undefined;
  authCount: number;
  authedAt: number;
  disconnectedAt: number;
  markCount: number;
}

const MAX_SOCKETS_PER_WORKER = 50_000;

const slots: Slot[] = [];
let errors: Record<string, number> = {};
let listenCounts: Record<string, number> = {};
let listenHists: Record<string, Histogram> = {};
/** First and last receive time per event (epoch ms). */
let listenSpan: Record<string, [number, number]> = {};

function countError(key: string): void {
  errors[key] = (errors[key] ?? 0) + 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Emit auth and wait for the callback; resolves to an error code or null. */
function authenticate(slot: Slot, spec: AuthSpec, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const req: Record<string, unknown> = { app_id: spec.app_id, subscriptions: spec.subscriptions };
    if (slot.token !== undefined) req.access_token = slot.token;
    slot.socket.timeout(timeoutMs).emit(spec.event ?? "auth", req, (timeoutErr: Error | null, err: unknown, res: unknown) => {
      if (timeoutErr) return resolve("auth:timeout");
      if (err) return resolve(`auth:${String(err)}`);
      const subs = (res as { subscriptions?: unknown } | undefined)?.subscriptions;
      if (!Array.isArray(subs) || subs.length === 0) return resolve("auth:empty_subscriptions");
      resolve(null);
    });
  });
}

async function open(req: OpenRequest): Promise<OpenResult> {
  const count = Math.min(Math.max(0, Math.floor(req.count)), MAX_SOCKETS_PER_WORKER - slots.length);
  const deadline = Date.now() + req.timeoutMs;
  const socketTimeout = req.socketTimeoutMs ?? Math.min(req.timeoutMs, 30_000);
  const connectHist = new Histogram();
  const readyHist = new Histogram();
  let ready = 0;
  let failed = 0;
  errors = {};
  const startedAt = nowMs();

  const openOne = (index: number) =>
    new Promise<void>((resolve) => {
      const t0 = nowMs();
      let settled = false;
      const socket = io(req.url, {
        transports: req.transports ?? ["websocket"],
        forceNew: true,
        reconnection: req.reconnection ?? false,
        reconnectionDelay: req.reconnectionDelay ?? 1000,
        reconnectionDelayMax: req.reconnectionDelayMax ?? 5000,
        timeout: socketTimeout,
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
      });
      const slot: Slot = { socket, token: req.tokens?.[index] ?? undefined, authCount: 0, authedAt: 0, disconnectedAt: 0, markCount: 0 };
      slots.push(slot);
      const finish = (error: string | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          failed += 1;
          countError(error);
        } else {
          ready += 1;
          readyHist.record(nowMs() - t0);
        }
        resolve();
      };
      const timer = setTimeout(() => finish("socket:timeout"), socketTimeout);
      socket.on("connect", () => {
        if (!settled) connectHist.record(nowMs() - t0);
        if (!req.auth) {
          slot.authCount += 1;
          slot.authedAt = nowMs();
          finish(null);
          return;
        }
        void authenticate(slot, req.auth, socketTimeout).then((error) => {
          if (error) {
            if (settled) countError(error);
            finish(error);
            return;
          }
          slot.authCount += 1;
          slot.authedAt = nowMs();
          finish(null);
        });
      });
      socket.on("connect_error", (err: Error) => {
        if (settled || req.reconnection) countError(`connect_error:${err.message}`);
        if (!req.reconnection) finish(`connect_error:${err.message}`);
      });
      socket.on("disconnect", (reason: string) => {
        slot.disconnectedAt = nowMs();
        countError(`disconnect:${reason}`);
      });
      if (req.listen) {
        const { stampField } = req.listen;
        for (const event of req.listen.events) {
          socket.on(event, (payload: unknown) => {
            listenCounts[event] = (listenCounts[event] ?? 0) + 1;
            const at = nowMs();
            const span = listenSpan[event];
            if (span) span[1] = at;
            else listenSpan[event] = [at, at];
            if (stampField) {
              const t = readStamp(payload, stampField);
              if (t !== undefined) (listenHists[event] ??= new Histogram()).record(nowMs() - t);
            }
          });
        }
      }
    });

  // Bounded concurrency: `concurrency` lanes, each opening sockets one after another.
  let next = 0;
  const lane = async () => {
    while (next < count && Date.now() < deadline) {
      const index = next++;
      await openOne(index);
    }
  };
  const lanes = Array.from({ length: Math.max(1, Math.min(req.concurrency, count)) }, lane);
  await Promise.all(lanes);
  return {
    requested: count,
    ready,
    failed: failed + (count - ready - failed),
    errors: { ...errors },
    connectHist: connectHist.toJSON(),
    readyHist: readyHist.toJSON(),
    startedAt,
    finishedAt: nowMs(),
  };
}

/** Remember each socket's auth count and start a fresh error tally (before a drop). */
function mark(): { sockets: number } {
  for (const s of slots) {
    s.markCount = s.authCount;
    s.disconnectedAt = 0;
  }
  errors = {};
  return { sockets: slots.length };
}

/** Wait until every socket has re-authenticated since `mark`. */
async function waitBack(req: { timeoutMs: number }): Promise<BackResult> {
  const deadline = Date.now() + req.timeoutMs;
  const isBack = (s: Slot) => s.authCount > s.markCount && s.socket.connected;
  while (Date.now() < deadline && !slots.every(isBack)) await sleep(20);
  const hist = new Histogram();
  let back = 0;
  let firstDisconnectAt: number | null = null;
  let lastBackAt: number | null = null;
  for (const s of slots) {
    if (s.disconnectedAt > 0 && (firstDisconnectAt === null || s.disconnectedAt < firstDisconnectAt)) firstDisconnectAt = s.disconnectedAt;
    if (!isBack(s)) continue;
    back += 1;
    if (lastBackAt === null || s.authedAt > lastBackAt) lastBackAt = s.authedAt;
    if (s.disconnectedAt > 0) hist.record(s.authedAt - s.disconnectedAt);
  }
  return { total: slots.length, back, firstDisconnectAt, lastBackAt, backHist: hist.toJSON(), errors: { ...errors } };
}

async function emit(req: EmitRequest): Promise<EmitResult> {
  const deadline = Date.now() + req.timeoutMs;
  const usable = slots.filter((s) => s.socket.connected).slice(0, req.sockets ?? slots.length);
  const count = usable.length === 0 ? 0 : Math.min(Math.max(0, Math.floor(req.count)), 10_000_000);
  const ackTimeout = req.ackTimeoutMs ?? 10_000;
  const hist = new Histogram();
  const errs: Record<string, number> = {};
  let sent = 0;
  let acked = 0;
  const startedAt = nowMs();
  const gapMs = req.ratePerSec && req.ratePerSec > 0 ? 1000 / req.ratePerSec : 0;
  let next = 0;
  const lane = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      if (gapMs > 0) {
        const wait = startedAt + i * gapMs - nowMs();
        if (wait > 1) await sleep(wait);
      }
      const slot = usable[i % usable.length]!;
      const t0 = nowMs();
      sent += 1;
      await new Promise<void>((resolve) => {
        slot.socket.timeout(ackTimeout).emit(req.event, stampPayload(req.payload, t0, i), (timeoutErr: Error | null, err: unknown) => {
          if (timeoutErr) errs["ack:timeout"] = (errs["ack:timeout"] ?? 0) + 1;
          else if (err) errs[`ack:${String(err)}`] = (errs[`ack:${String(err)}`] ?? 0) + 1;
          else {
            acked += 1;
            hist.record(nowMs() - t0);
          }
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(req.concurrency ?? 1, Math.max(count, 1))) }, lane));
  return { sent, acked, errors: errs, ackHist: hist.toJSON(), startedAt, finishedAt: nowMs() };
}

function listenStats(req: { reset?: boolean }) {
  const out = {
    counts: { ...listenCounts },
    hists: Object.fromEntries(Object.entries(listenHists).map(([k, h]) => [k, h.toJSON()])),
    spans: { ...listenSpan },
  };
  if (req.reset) {
    listenCounts = {};
    listenHists = {};
    listenSpan = {};
  }
  return out;
}

async function closeAll(req: { timeoutMs?: number }): Promise<{ closed: number }> {
  const n = slots.length;
  for (const s of slots) {
    s.socket.removeAllListeners();
    s.socket.disconnect();
  }
  slots.length = 0;
  errors = {};
  listenCounts = {};
  listenHists = {};
  listenSpan = {};
  await sleep(Math.min(req.timeoutMs ?? 100, 1000));
  return { closed: n };
}

const ipc = serveIpc({
  open,
  mark,
  waitBack,
  emit,
  listenStats,
  close: closeAll,
  cpu: cpuReading,
  memory: memoryAfterGc,
  stats: () => ({
    sockets: slots.length,
    connected: slots.filter((s) => s.socket.connected).length,
    authed: slots.filter((s) => s.authCount > 0).length,
  }),
  stop: async () => closeAll({ timeoutMs: 0 }),
});
ipc.emit("ready", { pid: process.pid });
