/**
 * Deposit notifications at live rates: publish -> socket latency through wallet-watcher and
 * the gateway, next to a plain NATS publish -> socket.io emit relay in the same run.
 *
 *   npm run bench -- deposit-latency [--users 1000] [--rates 100,1000,2000] [--seconds 5] [--refine 2] [--concurrency N]
 *     [--nats URL] [--nats-monitor http://127.0.0.1:8222] [--nats-pid PID]
 *
 * `--users` DEPOSITS sockets connect through a gateway and as many to the plain relay (each a
 * child process, like the watcher). At each rate, deposit_seen events are published live
 * (JetStream with ack, as Moneypot does) for `--seconds`, each to the next user; latency is
 * from the publish call to the socket's `unconfirmed_balance_change`. The plain relay (core
 * NATS publish -> emit to the user's room) gets the same count at the same rate, half right
 * before and half right after, so both see the same machine load.
 * The watcher's ceiling is the rate where its p99 crosses 100 ms: bracketed by the rates
 * given (ascending), then narrowed by `--refine` more runs (bisection, rounded to 50/s).
 * Per rate it also reports what load hardly changes: CPU time per event of the watcher and
 * the gateway and the NATS server (the process listening on the URL's port, or `--nats-pid`),
 * the watcher's write system calls, and with `--nats-monitor` the
 * messages the watcher's connection sent to and got from NATS per event (round trips).
 * `BENCH_WATCHER_NODE_FLAGS="--cpu-prof --cpu-prof-dir=DIR"` profiles the watcher.
 * Everything is on loopback, in a random namespace that is deleted afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { io as ioClient, type Socket } from "socket.io-client";
import { createNames, encode, type Names } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { publishWalletEvent } from "@socketpot/simulator";
import { pidListeningOn, portOf, processCpuSeconds } from "../lib/proc-cpu";
import { connMessages, perEvent, writeCalls } from "../lib/proc-usage";

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
function spawnChild(file: string, args: string[], env: Record<string, string>, ready: RegExp, nodeFlags: string[] = [], timeoutMs = 60_000): Promise<Child> {
  const proc = spawn(process.execPath, [...nodeFlags, "--import", "tsx", file, ...args], {
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

type Measured = { sorted: number[]; lost: number; seconds: number };

/** Publishes `count` messages at `rate`/s with `send(i)`, measuring publish -> arrival of `key(i)` in `arrivals`. */
async function measure(
  count: number,
  rate: number,
  send: (i: number) => Promise<void> | void,
  key: (i: number) => number,
  arrivals: Map<number, number>,
): Promise<Measured> {
  const sentAt = new Map<number, number>();
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sentAt.set(i, performance.now());
    const p = send(i);
    // A publish the server does not acknowledge in time counts as lost, it does not end the run.
    if (p) pending.push(p.catch(() => undefined));
    if (performance.now() - started > DEADLINE_MS / 3) break;
  }
  await Promise.all(pending);
  const until = performance.now() + 20_000;
  const missing = () => [...sentAt.keys()].some((i) => !arrivals.has(key(i)));
  while (missing() && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  const latencies: number[] = [];
  for (const [i, t0] of sentAt) {
    const t1 = arrivals.get(key(i));
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
  description: "publish -> socket latency of deposit notifications at live rates vs a plain NATS -> socket.io relay, interleaved",
  async run(args: Record<string, string>): Promise<ScenarioResult> {
    const usersN = intArg(args, "users", 1_000, 1, 5_000);
    const rates = (args.rates ?? "100,1000,2000").split(",").map((r) => {
      const n = Number(r);
      if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new Error("--rates: integers in [1, 10000]");
      return n;
    });
    const seconds = intArg(args, "seconds", 5, 1, 30);
    const refine = intArg(args, "refine", 2, 0, 6);
    const concurrency = args.concurrency === undefined ? undefined : String(intArg(args, "concurrency", 32, 1, 1024));
    const natsUrl = args.nats ?? process.env.NATS_URL ?? "nats://127.0.0.1:4222";
    const natsMonitor = args["nats-monitor"];
    // The NATS server's CPU: the process listening on the URL's port when it is local.
    const natsPid = args["nats-pid"] === undefined ? pidListeningOn(portOf(natsUrl, 4222)) : intArg(args, "nats-pid", 0, 1, 2 ** 31);
    const namespace = `bench_${randomBytes(4).toString("hex")}`;
    const names = createNames(namespace);
    const nc = await connect({ servers: natsUrl, name: "bench-deposit-latency" });
    const js = jetstream(nc);
    const children: Child[] = [];
    const sockets: Socket[] = [];
    const childEnv = { NATS_URL: natsUrl, SOCKETPOT_NAMESPACE: namespace, LOG_LEVEL: "warn" };
    const nodeFlags = process.env.BENCH_WATCHER_NODE_FLAGS;
    try {
      const seeded = await seedUsers(nc, names, usersN);
      const watcher = await spawnChild(
        "services/wallet-watcher/src/main.ts",
        [],
        { ...childEnv, LOG_LEVEL: "info", ...(concurrency ? { WALLET_CONCURRENCY: concurrency, WALLET_MAX_ACK_PENDING: String(Math.max(1_000, Number(concurrency))) } : {}) },
        /wallet-watcher ready/,
        nodeFlags ? nodeFlags.split(" ").filter(Boolean) : [],
      );
      children.push(watcher);
      const gateway = await spawnChild("services/gateway/src/main.ts", [], { ...childEnv, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1" }, /gateway listening.*"port":\d+|"port":\d+.*gateway listening/);
      children.push(gateway);
      const port = Number(/"port":(\d+)/.exec(gateway.output())?.[1]);
      const prefix = `${namespace}.plain`;
      const relay = await spawnChild("bench/lib/plain-relay-child.ts", [JSON.stringify({ natsUrl, prefix })], {}, /"port":\d+/);
      children.push(relay);
      const relayPort = Number(/"port":(\d+)/.exec(relay.output())?.[1]);

      // Every notification's diff is unique: it names the event it came from.
      const arrivals = new Map<number, number>();
      const arrived = (p: { diff: number }) => {
        if (!arrivals.has(p.diff)) arrivals.set(p.diff, performance.now());
      };
      sockets.push(
        ...(await connectSockets(`http://127.0.0.1:${port}`, usersN, async (s, i) => {
          const user = seeded.users[i]!;
          await new Promise<void>((resolve, reject) => {
            s.emit("auth", { app_id: seeded.appId, access_token: user.token, subscriptions: ["DEPOSITS"] }, (err: unknown) =>
              err ? reject(new Error(`auth failed: ${String(err)}`)) : resolve(),
            );
          });
          s.on("unconfirmed_balance_change", arrived);
        })),
      );
      sockets.push(
        ...(await connectSockets(`http://127.0.0.1:${relayPort}`, usersN, async (s, i) => {
          await new Promise<void>((resolve) => s.emit("join", i, () => resolve()));
          s.on("unconfirmed_balance_change", arrived);
        })),
      );
      await nc.flush();

      let next = 1_000;
      let tx = 0;
      const watcherRun = (rate: number) => {
        const first = next;
        next += rate * seconds + 1_000;
        return measure(
          rate * seconds,
          rate,
          async (i) => {
            const user = seeded.users[i % usersN]!;
            const amount = first + i;
            await publishWalletEvent(js, names, {
              event_id: `lat-${amount}`,
              app_id: seeded.appId,
              auth_id: user.auth_id,
              type: "deposit_seen",
              txid: (++tx).toString(16).padStart(64, "0"),
              vout: 0,
              amount,
            });
          },
          (i) => first + i,
          arrivals,
        );
      };
      const plainRun = (rate: number, count: number) => {
        const first = next;
        next += count + 1_000;
        return measure(
          count,
          rate,
          (i) => {
            nc.publish(`${prefix}.${i % usersN}`, encode({ balance: first + i, diff: first + i }));
          },
          (i) => first + i,
          arrivals,
        );
      };

      const rows: Record<string, string | number>[] = [];
      const row = (path: string, rate: number, m: Measured) => ({
        path,
        "events/s": rate,
        messages: m.sorted.length + m.lost,
        delivered: m.sorted.length,
        "p50 ms": ms(percentile(m.sorted, 50)),
        "p99 ms": ms(percentile(m.sorted, 99)),
        "max ms": ms(m.sorted.at(-1) ?? NaN),
      });
      const watcherConn = "socketpot-wallet-watcher";
      const cpuMs = (pid: number | undefined) => {
        const seconds = pid === undefined ? undefined : processCpuSeconds(pid);
        return seconds === undefined ? undefined : seconds * 1000;
      };
      const usage = async () => ({
        client: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
        watcher: cpuMs(watcher.proc.pid),
        watcherWrites: writeCalls(watcher.proc.pid),
        gateway: cpuMs(gateway.proc.pid),
        nats: cpuMs(natsPid),
        conns: await connMessages(natsMonitor, [watcherConn]),
      });
      type Usage = Awaited<ReturnType<typeof usage>>;
      const costs = (a: Usage, b: Usage, events: number): Record<string, number> => {
        const out: Record<string, number | undefined> = {
          "watcher CPU us/event": perEvent(a.watcher, b.watcher, events, 1000),
          "gateway CPU us/event": perEvent(a.gateway, b.gateway, events, 1000),
          "client CPU us/event": perEvent(a.client, b.client, events, 1000),
          "NATS CPU us/event": perEvent(a.nats, b.nats, events, 1000),
          "watcher writes/event": perEvent(a.watcherWrites, b.watcherWrites, events),
          "watcher msgs to NATS/event": perEvent(a.conns?.get(watcherConn)?.sent, b.conns?.get(watcherConn)?.sent, events),
          "watcher msgs from NATS/event": perEvent(a.conns?.get(watcherConn)?.received, b.conns?.get(watcherConn)?.received, events),
        };
        return Object.fromEntries(Object.entries(out).filter((e): e is [string, number] => e[1] !== undefined));
      };
      /** One rate: the watcher path with the plain relay right before and after, on the same machine load. */
      const measureRate = async (rate: number, search: boolean): Promise<boolean> => {
        const half = Math.ceil((rate * seconds) / 2);
        const plainBefore = await plainRun(rate, half);
        const load = os.loadavg()[0]!;
        const u0 = await usage();
        const w = await watcherRun(rate);
        const u1 = await usage();
        const plainAfter = await plainRun(rate, half);
        const plain = { sorted: [...plainBefore.sorted, ...plainAfter.sorted].sort((a, b) => a - b), lost: plainBefore.lost + plainAfter.lost, seconds: 0 };
        const events = w.sorted.length + w.lost;
        const suffix = search ? " (ceiling search)" : "";
        const wr = {
          ...row(`wallet event -> watcher -> gateway -> socket${suffix}`, rate, w),
          "load 1m": Number(load.toFixed(1)),
          ...costs(u0, u1, events),
        };
        const pr = row(`plain NATS publish -> socket.io emit${suffix}`, rate, plain);
        rows.push(wr, pr, { path: "ratio watcher / plain", "events/s": rate, "p50 ms": ms(wr["p50 ms"] / pr["p50 ms"]), "p99 ms": ms(wr["p99 ms"] / pr["p99 ms"]) });
        return wr["p99 ms"] > 100 || w.lost > 0;
      };
      /** The lowest rate measured where p99 crossed 100 ms (or one was lost), and the highest below it. */
      let ceiling: number | undefined;
      let below: number | undefined;
      for (const rate of rates) {
        const crossed = await measureRate(rate, false);
        if (ceiling === undefined && crossed) ceiling = rate;
        else if (ceiling === undefined) below = rate;
      }
      // Narrow the bracket by bisection (rates rounded to 50/s), `--refine` more runs at most.
      for (let i = 0; i < refine && ceiling !== undefined; i++) {
        const lo = below ?? 0;
        const mid = Math.round((lo + ceiling) / 2 / 50) * 50;
        if (mid <= lo || mid >= ceiling) break;
        if (await measureRate(mid, true)) ceiling = mid;
        else below = mid;
      }
      rows.push({
        path: "watcher ceiling (p99 crosses 100 ms)",
        "events/s": ceiling === undefined ? `above ${rates.at(-1)}` : `${below ?? 0}-${ceiling}`,
      });
      return {
        title: "Deposit notifications: publish -> socket latency at live rates",
        rows,
        notes: [
          `${usersN} users, one DEPOSITS socket each on the gateway and one per user on the plain relay; at each rate ${seconds} s of deposit_seen events published live (JetStream publish with ack, as Moneypot does), each the next user's; the plain relay gets the same count at the same rate (half before, half after the watcher run) to the same number of sockets.`,
          ceiling === undefined
            ? `p99 stayed at or under 100 ms at every rate measured (${rates.join(", ")}/s): the watcher's ceiling is above ${rates.at(-1)}/s here.`
            : `The watcher's ceiling here (p99 crosses 100 ms, or a notification is lost): between ${below === undefined ? "0" : `${below}/s`} and ${ceiling}/s.`,
          "CPU us/event: CPU time (user + system, /proc) the process used during the watcher run, per event (10 ms resolution); NATS: the process listening on the NATS URL's port (or --nats-pid); client: this process (publisher and every socket). Writes/event: the watcher's write system calls (/proc/<pid>/io), each a socket write to NATS. Msgs to/from NATS per event: what the watcher's connection sent and got (server's /connz, with --nats-monitor): requests, publishes, acks and their replies. load 1m: the 1-min load average as the rate started.",
          "Watcher path per event: JetStream publish with ack, durable pull consumer, order check (from the consumer's delivery sequence; a direct get only when that does not tell, e.g. a user's first event after a watcher restart), one KV CAS write (the state read is cached per user; published outbox entries leave with the next write), fan-out publish (kept by the deposits stream), gateway validation + seq policy + emit.",
          "Watcher, gateway and plain relay each run as a child process on loopback NATS; latency is measured in the client process from the publish call to the socket event; every process shares the machine's 2 cores.",
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
