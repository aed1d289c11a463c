/**
 * connect-storm: how fast sockets connect and authenticate, and what an idle authenticated
 * socket costs in memory, against a bare socket.io server doing connect + a trivial ack.
 *
 * For each size, each target gets a fresh server child; the client pool opens `size` sockets
 * (bounded concurrency per worker), every socket emits `auth` and the storm ends when every
 * callback came back. Then the server reports memory after GC with the sockets still open;
 * the difference to its reading before the storm, divided by the sockets, is the per-socket
 * cost.
 *
 * Flags: --sizes 1000,5000,10000,19500  --workers 4  --concurrency 50 (per worker)
 *        --targets bare,gateway  --subscriptions DEPOSITS,BETS  --timeout-seconds 600 (per storm)
 *        --anonymous (no access token: e.g. `--subscriptions CHAT --anonymous`, read-only chat)
 */
import { bytes, intListArg, ms, num, ratio, tally } from "../lib/format";
import { maxSocketsPerProcess, openFilesLimit } from "../lib/limits";
import { ClientPool, clientPoolArgs } from "../lib/pool";
import { cpuShare } from "../lib/probe";
import { externalSince, markExternal, natsServerProcess, totalSeconds } from "../lib/proc-cpu";
import { anonymousArg, makeTargets, subscriptionsArg, type Target } from "../lib/targets";
import type { Scenario, ScenarioResult } from "../lib/types";

/** The connect+auth rate target (>= 0.5x bare) is set for storms of 1k, 5k and 10k sockets; memory is compared at every size. */
const RATE_TARGET_MAX_SIZE = 10_000;

interface Measurement {
  size: number;
  kind: Target["kind"];
  ready: number;
  elapsedMs: number;
  rate: number;
  p50: number;
  p99: number;
  serverCores: number;
  /** Server CPU milliseconds per ready socket: the server process, plus for the gateway the NATS server and the services (bet-stream, chat). */
  serverCpuMs: number;
  /** Of serverCpuMs, the NATS server's and the services' share (0 for bare). */
  supportCpuMs: number;
  generatorCores: number;
  heapPerSocket: number;
  rssPerSocket: number;
  errors: Record<string, number>;
}

async function measure(target: Target, pool: ClientPool, size: number, opts: { concurrency: number; timeoutMs: number }): Promise<Measurement> {
  const server = await target.start();
  try {
    const before = await server.memory();
    // The directory reads, bet-stream's recent-bets answers and chat's joins are server work too.
    const support = target.kind === "gateway" ? markExternal([natsServerProcess(), ...((await target.serviceProcesses?.()) ?? [])]) : undefined;
    const serverCpu0 = await server.cpu();
    const genCpu0 = await pool.cpuMark();
    const result = await pool.open({
      url: server.url,
      count: size,
      tokens: target.tokens(size),
      auth: target.auth,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      socketTimeoutMs: Math.min(opts.timeoutMs, 60_000),
      spreadAddresses: true,
    });
    const serverCpu1 = await server.cpu();
    const supportSeconds = support ? totalSeconds(externalSince(support)) : 0;
    const gen = await pool.cpuSince(genCpu0);
    const after = await server.memory();
    const n = Math.max(1, result.ready);
    const perSocket = (us: number) => `${(us / 1000 / n).toFixed(3)} ms`;
    const kib = (bytes: number) => `${(bytes / 1024 / n).toFixed(1)} KiB`;
    console.error(
      `[connect-storm] ${target.kind} ${size}: server process user ${perSocket(serverCpu1.user - serverCpu0.user)}, system ${perSocket(serverCpu1.system - serverCpu0.system)} per socket; ` +
        `per socket after GC: heap used ${kib(after.heapUsed - before.heapUsed)}, heap committed ${kib(after.heapTotal - before.heapTotal)}, external ${kib(after.external - before.external)}, RSS ${kib(after.rss - before.rss)}`,
    );
    return {
      size,
      kind: target.kind,
      ready: result.ready,
      elapsedMs: result.elapsedMs,
      rate: result.ratePerSec,
      p50: result.ready_latency.percentile(50),
      p99: result.ready_latency.percentile(99),
      serverCores: cpuShare(serverCpu0, serverCpu1),
      serverCpuMs: (serverCpu1.user - serverCpu0.user + serverCpu1.system - serverCpu0.system) / 1000 / n + (supportSeconds * 1000) / n,
      supportCpuMs: (supportSeconds * 1000) / n,
      generatorCores: (gen.seconds * 1000) / Math.max(1, result.elapsedMs),
      heapPerSocket: (after.heapUsed - before.heapUsed) / n,
      rssPerSocket: (after.rss - before.rss) / n,
      errors: result.errors,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await server.stop();
  }
}

const scenario: Scenario = {
  name: "connect-storm",
  description: "server CPU per connect+auth (gateway + NATS server + the services its auths call), rate and memory per idle socket at 1k/5k/10k sockets, vs bare socket.io",
  async run(args): Promise<ScenarioResult> {
    const limit = maxSocketsPerProcess();
    const sizes = intListArg(args, "sizes", [1000, 5000, 10_000, Math.min(20_000, limit)], 1, 100_000);
    for (const s of sizes) {
      if (s > limit) throw new Error(`--sizes ${s} exceeds what one server process can hold here (open files limit ${String(openFilesLimit())})`);
    }
    const { workers, concurrency, timeoutMs } = clientPoolArgs(args, { default: 600, max: 1800 });
    const subscriptions = subscriptionsArg(args);
    const anonymous = anonymousArg(args);
    const targets = await makeTargets(args, subscriptions, anonymous);
    const pool = await ClientPool.start({ workers, name: "storm" });
    const results: Measurement[] = [];
    try {
      const maxSize = Math.max(...sizes);
      for (const t of targets) await t.prepare(maxSize);
      for (const size of sizes) {
        for (const t of targets) {
          console.error(`[connect-storm] ${t.kind}: ${size} sockets`);
          results.push(await measure(t, pool, size, { concurrency, timeoutMs }));
        }
      }
    } finally {
      await pool.stop();
      for (const t of targets) await t.dispose().catch(() => undefined);
    }

    const bareOf = (size: number) => results.find((r) => r.size === size && r.kind === "bare");
    const rows = results.map((r) => {
      const bare = bareOf(r.size);
      return {
        sockets: r.size,
        server: r.kind,
        ready: r.ready,
        "server CPU / connect+auth": ms(r.serverCpuMs),
        "CPU vs bare": bare ? ratio(r.serverCpuMs, bare.serverCpuMs) : "n/a",
        "of which NATS server + services": r.kind === "gateway" ? ms(r.supportCpuMs) : "-",
        "time to all ready": ms(r.elapsedMs),
        "connect+auth /s": num(r.rate),
        "rate vs bare": bare ? ratio(r.rate, bare.rate) : "n/a",
        "ready p50": ms(r.p50),
        "ready p99": ms(r.p99),
        "heap / socket": bytes(r.heapPerSocket),
        "heap vs bare": bare ? ratio(r.heapPerSocket, bare.heapPerSocket) : "n/a",
        "RSS / socket": bytes(r.rssPerSocket),
        "server CPU (cores)": r.serverCores.toFixed(2),
        "generator CPU (cores)": r.generatorCores.toFixed(2),
        errors: tally(r.errors),
      };
    });

    const notes: string[] = [
      `Clients: socket.io-client over websocket only, ${workers} generator processes, ${concurrency} connects in flight per process, each on its own loopback source address (127.0.<storm>.2-${1 + workers}, a fresh block per storm).`,
      `Sockets authenticate with \`auth\` {app_id, subscriptions: [${subscriptions.join(", ")}]${anonymous ? "} (anonymous: no access token)" : ", access_token}"}; the storm ends when every auth callback came back. The bare server acks \`auth\` and joins a room, nothing else.`,
      "Memory: server child run with --expose-gc; heap and RSS read after a full GC before the storm and with all sockets open and idle; the difference divided by the sockets.",
      "CPU (cores) is the share of one core over the storm (this machine has 2 cores; the server, the generator and anything else running compete for them). The headline is server CPU / connect+auth: the server's CPU time for the storm divided by the sockets — for the gateway its own process plus the NATS server (directory reads) and the services its auths call (bet-stream's recent-bets answers for BETS, chat's join with the history for CHAT), read from /proc/<pid>/stat; for bare its one process. It depends far less on what else runs than the wall-clock rate does. The NATS server is shared with anything else using it during the storm.",
      subscriptions.includes("BETS") ? "BETS: bet-stream runs in the gateway's namespace, so each BETS auth gets its recent-bets answer as in production." : "BETS not subscribed: bet-stream not started.",
      subscriptions.includes("DEPOSITS") && !anonymous
        ? "DEPOSITS: every user has a deposit ledger (one confirmed deposit, as wallet-watcher keeps it), so each DEPOSITS auth reads it for its snapshot as in production."
        : "DEPOSITS not subscribed with a token: no ledgers seeded.",
      subscriptions.includes("CHAT") ? "CHAT: the chat service runs on a fresh PostgreSQL database with 100 messages in the lobby, so each CHAT auth joins the lobby and gets its full history as in production (PostgreSQL's own CPU is not counted); the bare server joins a room." : "CHAT not subscribed: chat not started.",
    ];
    const openFiles = openFilesLimit();
    if (openFiles !== undefined) notes.push(`Largest size is bounded by the open files limit (${openFiles}, hard): one descriptor per socket in the server process.`);
    for (const size of sizes) {
      const bare = bareOf(size);
      const gw = results.find((r) => r.size === size && r.kind === "gateway");
      if (!bare || !gw) continue;
      const rateOk = gw.rate >= 0.5 * bare.rate;
      const heapOk = gw.heapPerSocket <= 2 * bare.heapPerSocket;
      const rateTarget = size <= RATE_TARGET_MAX_SIZE ? `target >= 0.50x: ${rateOk ? "met" : "MISSED"}` : "the rate target is set for 1k-10k sockets";
      notes.push(
        `${size} sockets: server CPU per connect+auth ${ms(gw.serverCpuMs)} (gateway + NATS server${subscriptions.includes("BETS") ? " + bet-stream" : ""}${subscriptions.includes("CHAT") ? " + chat" : ""}) vs ${ms(bare.serverCpuMs)} bare, ${ratio(gw.serverCpuMs, bare.serverCpuMs)}; connect+auth rate ${ratio(gw.rate, bare.rate)} of bare (${rateTarget}); heap per socket ${ratio(gw.heapPerSocket, bare.heapPerSocket)} of bare (target <= 2x: ${heapOk ? "met" : "MISSED"}).`,
      );
    }
    // A run with other subscriptions or anonymous sockets keeps a section of its own.
    const variant = subscriptions.join(",") === "DEPOSITS,BETS" && !anonymous ? "" : ` (${anonymous ? "anonymous " : ""}${subscriptions.join(", ")} sockets)`;
    return { title: `connect-storm: connect+auth rate and memory per socket${variant}`, rows, notes };
  },
};

export default scenario;
