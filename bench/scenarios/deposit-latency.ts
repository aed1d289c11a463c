/**
 * Deposit notifications: wallet-watcher throughput and publish -> socket latency, next to a
 * plain NATS publish -> socket.io emit relay measured in the same run.
 *
 *   npm run bench -- deposit-latency [--users 50] [--backlog 3000] [--events 1000] [--rate 100] [--nats URL]
 *
 * 1. Throughput: `--backlog` wallet events are stored in the stream first; one watcher
 *    (child process) is started and timed until every event is acknowledged.
 * 2. Latency: `--users` DEPOSITS sockets connect through a gateway (child process); `--events`
 *    balance adjustments are published (JetStream, as Moneypot does) at `--rate` per second;
 *    latency is from the publish call to the socket's `balance_change`. The same number of
 *    messages at the same rate then goes through the plain relay (core NATS publish ->
 *    socket.io emit to the user's room), also a child process, to the same kind of clients.
 * Everything is on loopback, in a random namespace that is deleted afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { io as ioClient, type Socket } from "socket.io-client";
import { createNames, encode, type Names, type WalletEvent } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { ensureWalletResources } from "@socketpot/wallet-watcher";
import { publishWalletEvent } from "@socketpot/simulator";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEADLINE_MS = 100_000;

interface ScenarioResult {
  title: string;
  rows: Record<string, string | number>[];
  notes?: string[];
}

function intArg(args: Record<string, string>, name: string, dflt: number, min: number, max: number): number {
  const raw = args[name];
  if (raw === undefined) return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return n;
}

type Child = { proc: ChildProcess; output: () => string; stop: () => Promise<void> };

/** Spawns `node --import tsx <file>` and resolves once stdout/stderr matches `ready`. */
function spawnChild(file: string, args: string[], env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", file, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
    const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`${file} not ready within ${timeoutMs} ms:\n${out.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ proc, output: () => out, stop });
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${file} exited before ready:\n${out.slice(-2000)}`));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const ms = (v: number) => Number(v.toFixed(2));

async function connectSockets(url: string, count: number, join: (s: Socket, i: number) => Promise<void>): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, count - i) }, async (_, k) => {
        const s = ioClient(url, { transports: ["websocket"], forceNew: true, reconnection: false });
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error("socket connect timeout")), 20_000);
          s.once("connect", () => {
            clearTimeout(t);
            resolve();
          });
          s.once("connect_error", reject);
        });
        await join(s, i + k);
        return s;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

/** Publishes `count` messages at `rate`/s with `send(i)`, measuring publish -> arrival via `arrivals`. */
async function measure(
  count: number,
  rate: number,
  send: (i: number) => Promise<void> | void,
  arrivals: Map<number, number>,
): Promise<{ sorted: number[]; lost: number; seconds: number }> {
  const sentAt = new Map<number, number>();
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(i, performance.now());
    const p = send(i);
    if (p) pending.push(p);
    if (performance.now() - started > DEADLINE_MS / 3) break;
  }
  await Promise.all(pending);
  const until = performance.now() + 20_000;
  while (arrivals.size < sentAt.size && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
  const latencies: number[] = [];
  for (const [i, t0] of sentAt) {
    const t1 = arrivals.get(i);
    if (t1 !== undefined) latencies.push(t1 - t0);
  }
  latencies.sort((a, b) => a - b);
  return { sorted: latencies, lost: sentAt.size - latencies.length, seconds: (performance.now() - started) / 1000 };
}

async function cleanupNamespace(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for await (const s of jsm.streams.list()) {
    const name = s.config.name;
    if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`)) await jsm.streams.delete(name).catch(() => undefined);
  }
}

async function seedUsers(nc: NatsConnection, names: Names, users: number) {
  const w = new DirectoryWriter(await openDirectoryBucket(nc, names));
  const tag = randomBytes(3).toString("hex");
  const owner = await w.createUser({ uname: `bench_owner_${tag}` });
  const app = await w.createApp({ name: `bench ${tag}`, owner_auth_id: owner.auth_id });
  const out: Array<{ auth_id: number; token: string }> = [];
  for (let i = 0; i < users; i++) {
    const u = await w.createUser({ uname: `bench_${tag}_${i}` });
    out.push({ auth_id: u.auth_id, token: await w.issueToken({ app_id: app.id, auth_id: u.auth_id }) });
  }
  return { appId: app.id, users: out };
}

export default {
  name: "deposit-latency",
  description: "wallet-watcher events/s and publish -> socket latency vs a plain NATS -> socket.io relay",
  async run(args: Record<string, string>): Promise<ScenarioResult> {
    const usersN = intArg(args, "users", 50, 1, 500);
    const backlog = intArg(args, "backlog", 3_000, 100, 50_000);
    const events = intArg(args, "events", 1_000, 50, 20_000);
    const rate = intArg(args, "rate", 100, 1, 5_000);
    const natsUrl = args.nats ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222";
    const namespace = `bench_${randomBytes(4).toString("hex")}`;
    const names = createNames(namespace);
    const nc = await connect({ servers: natsUrl, name: "bench-deposit-latency" });
    const js = jetstream(nc);
    const children: Child[] = [];
    const sockets: Socket[] = [];
    const childEnv = { NATS_URL: natsUrl, SOCKETPOT_NAMESPACE: namespace, LOG_LEVEL: "info" };
    try {
      const seeded = await seedUsers(nc, names, usersN);
      const jsm = await jetstreamManager(nc);
      const resources = await ensureWalletResources(nc, jsm, names, {
        duplicateWindowMs: 120_000,
        maxAgeMs: 3_600_000,
        ackWaitMs: 30_000,
        maxAckPending: 1_000,
        notificationsMaxAgeMs: 3_600_000,
        notificationsPerUser: 1_000,
      });

      // 1. Throughput: a stored backlog through one watcher.
      const backlogEvents: WalletEvent[] = [];
      const balances = new Map<number, number>();
      for (let i = 0; i < backlog; i++) {
        const user = seeded.users[i % usersN]!;
        const kind = i % 4;
        const tx = (BigInt(i) + 1n).toString(16).padStart(64, "0");
        const who = { app_id: seeded.appId, auth_id: user.auth_id, event_id: `bl-${i}` };
        if (kind === 3) {
          const b = (balances.get(user.auth_id) ?? 0) + 100;
          balances.set(user.auth_id, b);
          backlogEvents.push({ ...who, type: "balance_adjusted", reason: "transfer_in", amount: 100, balance_after: b });
        } else {
          backlogEvents.push({ ...who, type: "deposit_seen", txid: tx, vout: 0, amount: 1_000 + i });
        }
      }
      for (let i = 0; i < backlogEvents.length; i += 100) {
        await Promise.all(backlogEvents.slice(i, i + 100).map((e) => publishWalletEvent(js, names, e)));
      }
      const t0 = performance.now();
      const watcher = await spawnChild("services/wallet-watcher/src/main.ts", [], { ...childEnv, WALLET_CONCURRENCY: "32" }, /wallet-watcher ready/);
      children.push(watcher);
      const tReady = performance.now();
      const lastSeq = (await jsm.streams.info(resources.stream)).state.last_seq;
      for (let floor = 0; ; ) {
        // A busy shared server may time a request out: ask again until the deadline.
        const info = await jsm.consumers.info(resources.stream, resources.durable).catch(() => null);
        if (info) floor = info.ack_floor.stream_seq;
        if (floor >= lastSeq) break;
        if (performance.now() - t0 > DEADLINE_MS / 2) throw new Error(`backlog not drained in time (${floor}/${lastSeq})`);
        await new Promise((r) => setTimeout(r, 25));
      }
      const drainSeconds = (performance.now() - tReady) / 1000;
      const eventsPerSecond = backlog / drainSeconds;

      // 2. Latency through the gateway.
      const gateway = await spawnChild("services/gateway/src/main.ts", [], { ...childEnv, PORT: "0", HOST: "127.0.0.1" }, /gateway listening.*"port":\d+|"port":\d+.*gateway listening/);
      children.push(gateway);
      const port = Number(/"port":(\d+)/.exec(gateway.output())?.[1]);
      const arrivals = new Map<number, number>();
      const ids = new Map<number, number>(); // diff -> event index
      const gwSockets = await connectSockets(`http://127.0.0.1:${port}`, usersN, async (s, i) => {
        const user = seeded.users[i]!;
        await new Promise<void>((resolve, reject) => {
          s.emit("auth", { app_id: seeded.appId, access_token: user.token, subscriptions: ["DEPOSITS"] }, (err: unknown) =>
            err ? reject(new Error(`auth failed: ${String(err)}`)) : resolve(),
          );
        });
        s.on("balance_change", (p: { diff: number }) => {
          const idx = ids.get(p.diff);
          if (idx !== undefined && !arrivals.has(idx)) arrivals.set(idx, performance.now());
        });
      });
      sockets.push(...gwSockets);
      const base = 1_000_000;
      const wm = await measure(
        events,
        rate,
        async (i) => {
          const user = seeded.users[i % usersN]!;
          const amount = base + i;
          ids.set(amount, i);
          const b = (balances.get(user.auth_id) ?? 0) + amount;
          balances.set(user.auth_id, b);
          await publishWalletEvent(js, names, {
            event_id: `lat-${i}`,
            app_id: seeded.appId,
            auth_id: user.auth_id,
            type: "balance_adjusted",
            reason: "transfer_in",
            amount,
            balance_after: b,
          });
        },
        arrivals,
      );

      // 3. The plain relay, same clients count, rate and count.
      const prefix = `${namespace}.plain`;
      const relay = await spawnChild("bench/lib/plain-relay-child.ts", [JSON.stringify({ natsUrl, prefix })], {}, /"port":\d+/);
      children.push(relay);
      const relayPort = Number(/"port":(\d+)/.exec(relay.output())?.[1]);
      const plainArrivals = new Map<number, number>();
      const plainSockets = await connectSockets(`http://127.0.0.1:${relayPort}`, usersN, async (s, i) => {
        await new Promise<void>((resolve) => s.emit("join", i, () => resolve()));
        s.on("balance_change", (p: { diff: number }) => {
          const idx = p.diff - base;
          if (!plainArrivals.has(idx)) plainArrivals.set(idx, performance.now());
        });
      });
      sockets.push(...plainSockets);
      await nc.flush();
      const pm = await measure(
        events,
        rate,
        (i) => {
          nc.publish(`${prefix}.${i % usersN}`, encode({ balance: base + i, diff: base + i }));
        },
        plainArrivals,
      );

      const row = (name: string, m: { sorted: number[]; lost: number; seconds: number }) => ({
        path: name,
        messages: m.sorted.length + m.lost,
        delivered: m.sorted.length,
        "p50 ms": ms(percentile(m.sorted, 50)),
        "p99 ms": ms(percentile(m.sorted, 99)),
        "max ms": ms(m.sorted.at(-1) ?? NaN),
      });
      const w = row("wallet event -> watcher -> gateway -> socket", wm);
      const p = row("plain NATS publish -> socket.io emit", pm);
      return {
        title: "Deposit notifications: watcher throughput and latency",
        rows: [
          { path: "watcher throughput (stored backlog, one watcher)", messages: backlog, delivered: backlog, "events/s": Math.round(eventsPerSecond) },
          w,
          p,
          { path: "ratio watcher / plain", "p50 ms": ms(w["p50 ms"] / p["p50 ms"]), "p99 ms": ms(w["p99 ms"] / p["p99 ms"]) },
        ],
        notes: [
          `${usersN} users, one DEPOSITS socket each; ${events} notifications at ${rate}/s per path; backlog of ${backlog} events (3/4 deposit_seen, 1/4 balance_adjusted).`,
          "Watcher path per event: JetStream publish with ack, durable pull consumer, order check (direct get), 2 KV CAS writes (commit, outbox clear; the state read is cached per user), fan-out publish, gateway validation + dedupe + emit.",
          "Watcher, gateway and plain relay each run as a child process on loopback NATS; latency is measured in the client process from the publish call to the socket event.",
        ],
      };
    } finally {
      for (const s of sockets) s.close();
      for (const c of children.reverse()) await c.stop().catch(() => undefined);
      await cleanupNamespace(nc, namespace).catch(() => undefined);
      await nc.close();
    }
  },
};
