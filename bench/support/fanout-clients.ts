/**
 * Client side of the chat-fanout benchmark, in its own process so that the servers'
 * process holds only server sockets. Connects N receivers and one sender to the bare
 * socket.io server and N + 1 to the gateway, then runs interleaved closed-loop rounds
 * (bare, socketpot, bare, socketpot, ...) so both see the same machine load. Prints one
 * JSON line with the results.
 *
 * argv: JSON {bareUrl, gatewayUrl, appId, token, n, messages, rounds}
 */
import { io as connectIo, type Socket } from "socket.io-client";

interface Args {
  bareUrl: string;
  gatewayUrl: string;
  appId: number;
  token: string;
  n: number;
  messages: number;
  rounds: number;
}

const CONNECT_CONCURRENCY = 100;
const ROUND_TIMEOUT_MS = 30_000;

const args = JSON.parse(process.argv[2] ?? "{}") as Args;

function openClient(url: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const c = connectIo(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 20_000 });
    c.once("connect", () => resolve(c));
    c.once("connect_error", (e) => reject(e));
  });
}

function ack(c: Socket, event: string, payload: unknown): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), 30_000);
    c.emit(event, payload, (err: string | null) => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}

async function inBatches<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, count - i) }, make))));
  }
  return out;
}

interface Tally {
  latencies: number[];
  seconds: number;
  expected: number;
}

/** One message at a time: the next is sent once all receivers got the previous one. */
async function round(sender: Socket, receivers: Socket[], messages: number, tag: string, into: Tally): Promise<void> {
  let current = "";
  let sentAt = 0;
  let pending = 0;
  let wake: (() => void) | undefined;
  const onMessage = (m: { text: string }) => {
    if (m.text !== current) return;
    into.latencies.push(performance.now() - sentAt);
    if (--pending === 0) wake?.();
  };
  for (const r of receivers) r.on("new_message", onMessage);
  const started = performance.now();
  const deadline = started + ROUND_TIMEOUT_MS;
  for (let i = 0; i < messages && performance.now() < deadline; i++) {
    current = `${tag} ${i}`;
    pending = receivers.length;
    const all = new Promise<void>((r) => (wake = r));
    sentAt = performance.now();
    sender.emit("new_message", { text: current }, () => undefined);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, deadline - performance.now()))))]);
    clearTimeout(timer);
    into.expected += receivers.length;
  }
  into.seconds += (performance.now() - started) / 1000;
  for (const r of receivers) r.off("new_message", onMessage);
}

async function gatewayClient(token?: string): Promise<Socket> {
  const c = await openClient(args.gatewayUrl);
  const err = await ack(c, "auth", { app_id: args.appId, access_token: token, subscriptions: ["CHAT"] });
  if (err) throw new Error(`auth failed: ${err}`);
  return c;
}

const bare = { receivers: await inBatches(args.n, () => openClient(args.bareUrl)), sender: await openClient(args.bareUrl) };
const full = { receivers: await inBatches(args.n, () => gatewayClient()), sender: await gatewayClient(args.token) };

const warm: Tally = { latencies: [], seconds: 0, expected: 0 };
await round(bare.sender, bare.receivers, 5, "warm-bare", warm);
await round(full.sender, full.receivers, 5, "warm-full", warm);

const results = {
  bare: { latencies: [], seconds: 0, expected: 0 } as Tally,
  full: { latencies: [], seconds: 0, expected: 0 } as Tally,
};
const perRound = Math.max(1, Math.ceil(args.messages / args.rounds));
for (let r = 0; r < args.rounds; r++) {
  await round(bare.sender, bare.receivers, perRound, `bare-${r}`, results.bare);
  await round(full.sender, full.receivers, perRound, `full-${r}`, results.full);
}

function summary(t: Tally) {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
  return { deliveries: sorted.length, expected: t.expected, seconds: t.seconds, p50: at(50), p99: at(99) };
}

for (const c of [...bare.receivers, bare.sender, ...full.receivers, full.sender]) c.close();
process.stdout.write(`${JSON.stringify({ bare: summary(results.bare), full: summary(results.full) })}\n`);
process.exit(0);
