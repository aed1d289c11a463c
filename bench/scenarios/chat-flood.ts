/**
 * Chat under a flood from one user: while one user posts `--rate` messages per second (through
 * the gateway as one socket, or straight on NATS as a flood that got past the edge would),
 * `--users` other users each post every `--interval-ms` through the gateway. Reports the other
 * users' outcomes and ack latency, the flood's outcomes, chat's and the gateway's peak RSS, the
 * bytes they logged, and whether chat's NATS connection was cut (slow consumer).
 *
 * Flags: --rate 10000  --seconds 20  --via gateway,nats  --users 20  --interval-ms 2500
 * (other users stay under chat's flood control of 5 posts per 10 s). NATS_URL / DATABASE_URL from env.
 * Defaults of every service: edge limits, chat's flood control and shedding as shipped.
 * Loopback only; every loop is bounded in count and time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { io as connectIo, type Socket } from "socket.io-client";
import { createBenchDatabase } from "../lib/bench-database";
import { spawnChat } from "../lib/chat-child";
import { BENCH_APP_ID, BenchDirectory, natsUrl, startGatewayChild, type GatewayServer } from "../lib/gateway";
import { Histogram } from "../lib/histogram";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const FLOODER = fileURLToPath(new URL("../support/flood-client.ts", import.meta.url));
const RSS_EVERY_MS = 250;

/** Resident set size of a process in bytes (Linux /proc). */
function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Counts the bytes a child writes to stdout/stderr, and the lines matching `pattern`. */
function meterOutput(child: ChildProcess, pattern: RegExp): { bytes: number; matches: number; text: () => string } {
  const meter = { bytes: 0, matches: 0, tail: "" };
  const on = (d: Buffer) => {
    meter.bytes += d.length;
    const s = d.toString();
    meter.matches += s.split("\n").filter((l) => pattern.test(l)).length;
    meter.tail = (meter.tail + s).slice(-4000);
  };
  child.stdout?.on("data", on);
  child.stderr?.on("data", on);
  return {
    get bytes() {
      return meter.bytes;
    },
    get matches() {
      return meter.matches;
    },
    text: () => meter.tail,
  };
}

function runFlooder(input: Record<string, unknown>): Promise<{ sent: number; seconds: number; answered: number; outcomes: Record<string, number> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", FLOODER, JSON.stringify(input)], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), Number(input.seconds) * 1000 + 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.trim().split("\n").pop() ?? ""));
      } catch {
        reject(new Error(`flooder failed (${code}): ${err.slice(-2000)}`));
      }
    });
  });
}

async function chatClient(url: string, token: string): Promise<Socket> {
  const c = connectIo(url, { transports: ["websocket"], forceNew: true, reconnection: false, timeout: 20_000 });
  await new Promise<void>((resolve, reject) => {
    c.once("connect", () => resolve());
    c.once("connect_error", reject);
  });
  const err = await new Promise<string | null>((r) => c.emit("auth", { app_id: BENCH_APP_ID, access_token: token, subscriptions: ["CHAT"] }, (e: string | null) => r(e)));
  if (err) throw new Error(`auth failed: ${err}`);
  return c;
}

interface Others {
  ok: number;
  total: number;
  errors: Record<string, number>;
  latency: Histogram;
}

/** Each socket posts every `intervalMs` (staggered) until `untilMs`; acks are awaited up to 10 s. */
async function postAsOthers(sockets: Socket[], intervalMs: number, untilMs: number): Promise<Others> {
  const result: Others = { ok: 0, total: 0, errors: {}, latency: new Histogram() };
  await Promise.all(
    sockets.map(async (s, k) => {
      await new Promise((r) => setTimeout(r, (k * intervalMs) / sockets.length));
      for (let i = 0; performance.now() < untilMs; i++) {
        const t0 = performance.now();
        const err = await new Promise<string | null>((resolve) => {
          const timer = setTimeout(() => resolve("NO_ANSWER"), 10_000);
          s.emit("new_message", { text: `hello ${k}.${i}` }, (e: string | null) => {
            clearTimeout(timer);
            resolve(e);
          });
        });
        result.total++;
        if (err === null) {
          result.ok++;
          result.latency.record(performance.now() - t0);
        } else {
          result.errors[err] = (result.errors[err] ?? 0) + 1;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - t0))));
      }
    }),
  );
  return result;
}

const mb = (b: number) => Number((b / 1024 / 1024).toFixed(1));
const fmt = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(1)) : "n/a");
const outcomesText = (o: Record<string, number>) =>
  Object.entries(o)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "none";

async function runOnce(via: "gateway" | "nats" | "none", opts: { rate: number; seconds: number; users: number; intervalMs: number }): Promise<Record<string, string | number>> {
  const db = await createBenchDatabase();
  const databaseUrl = db.url;
  const dir = await BenchDirectory.create();
  let chat: Awaited<ReturnType<typeof spawnChat>> | undefined;
  let gateway: GatewayServer | undefined;
  const sockets: Socket[] = [];
  try {
    await dir.seedUsers(opts.users + 1);
    chat = await spawnChat({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: dir.namespace, DATABASE_URL: databaseUrl, LOG_LEVEL: "info" });
    const chatLog = meterOutput(chat.child, /nats connection status|slow consumer/i);
    process.env.GATEWAY_LOG_LEVEL ??= "info";
    gateway = await startGatewayChild(dir.namespace);
    const gatewayLog = meterOutput(gateway.handle.child, /^$/);
    for (let i = 1; i <= opts.users; i++) sockets.push(await chatClient(gateway.url, dir.tokens[i]!));

    const peak = { chat: rssOf(chat.child.pid), gateway: rssOf(gateway.handle.pid) };
    const sampler = setInterval(() => {
      peak.chat = Math.max(peak.chat, rssOf(chat?.child.pid));
      peak.gateway = Math.max(peak.gateway, rssOf(gateway?.handle.pid));
    }, RSS_EVERY_MS);
    const logsBefore = { chat: chatLog.bytes, gateway: gatewayLog.bytes };
    const until = performance.now() + opts.seconds * 1000;
    const flooderUser = { uname: `bench_${dir.authIds[0]}`, auth_id: dir.authIds[0]!, role: "MEMBER" };
    const [others, flood] = await Promise.all([
      postAsOthers(sockets, opts.intervalMs, until),
      via === "none"
        ? Promise.resolve(undefined)
        : runFlooder({
            via,
            rate: opts.rate,
            seconds: opts.seconds,
            gatewayUrl: gateway.url,
            appId: BENCH_APP_ID,
            token: dir.tokens[0],
            natsUrl: natsUrl(),
            subject: dir.names.rpc.chatPost,
            user: flooderUser,
          }),
    ]);
    clearInterval(sampler);
    return {
      flood: via === "none" ? "none (baseline)" : `${opts.rate}/s via ${via}`,
      "flood sent/s": flood ? Math.round(flood.sent / flood.seconds) : 0,
      "flood answers": flood ? `${flood.answered}/${flood.sent}: ${outcomesText(flood.outcomes)}` : "",
      "others ok": `${others.ok}/${others.total}${Object.keys(others.errors).length ? ` (${outcomesText(others.errors)})` : ""}`,
      "others p50 ms": fmt(others.latency.percentile(50)),
      "others p99 ms": fmt(others.latency.percentile(99)),
      "others max ms": fmt(others.latency.summary().max),
      "chat peak RSS MB": mb(peak.chat),
      "gateway peak RSS MB": mb(peak.gateway),
      "chat log KB": Math.round((chatLog.bytes - logsBefore.chat) / 1024),
      "gateway log KB": Math.round((gatewayLog.bytes - logsBefore.gateway) / 1024),
      "chat NATS cut": chatLog.matches,
    };
  } finally {
    for (const s of sockets) s.close();
    await gateway?.stop().catch(() => undefined);
    await chat?.stop().catch(() => undefined);
    await dir.dispose().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

export default {
  name: "chat-flood",
  description: "other users' chat posts while one user floods (through the gateway, or straight on NATS)",
  async run(args: Record<string, string>) {
    const opts = {
      rate: Math.min(50_000, Math.max(1, Number(args.rate ?? 10_000))),
      seconds: Math.min(120, Math.max(2, Number(args.seconds ?? 20))),
      users: Math.min(200, Math.max(1, Number(args.users ?? 20))),
      intervalMs: Math.max(2_000, Number(args["interval-ms"] ?? 2_500)),
    };
    const vias = (args.via ?? "gateway,nats").split(",").filter((v): v is "gateway" | "nats" => v === "gateway" || v === "nats");
    const rows = [await runOnce("none", { ...opts, seconds: Math.min(opts.seconds, 10) })];
    for (const via of vias) rows.push(await runOnce(via, opts));
    return {
      title: `Chat under a flood from one user (${opts.rate} posts/s for ${opts.seconds} s, ${opts.users} other users posting every ${opts.intervalMs} ms)`,
      rows,
      notes: [
        "via gateway: the flooder is one socket.io client (its own process) emitting new_message with a callback, opening a new socket (and auth) each time the gateway disconnects it for flooding; the gateway's edge limits refuse the rest before NATS ('not_sent_disconnected': emits while it reconnected).",
        "via nats: the flooder publishes chat post requests (with a 5 s deadline header) straight to chat's subject, as a flood past the edge (many gateways, a faulty caller) would arrive.",
        "others: socket.io clients through the gateway, each posting every interval (under chat's 5 per 10 s flood control); latency = ack time.",
        "Peak RSS sampled every 250 ms from /proc; logs at LOG_LEVEL info; 'chat NATS cut' counts chat's NATS disconnect / slow-consumer log lines.",
        "Chat (own process, defaults), gateway (own process, defaults), flooder (own process), the other users (the bench process), NATS and PostgreSQL share one 2-core machine.",
      ],
    };
  },
};
