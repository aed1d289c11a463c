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
 */
import { bytes, intListArg, ms, num, ratio, tally } from "../lib/format";
import { maxSocketsPerProcess, openFilesLimit } from "../lib/limits";
import { ClientPool, clientPoolArgs } from "../lib/pool";
import { cpuShare } from "../lib/probe";
import { makeTargets, subscriptionsArg, type Target } from "../lib/targets";
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
  /** Server CPU milliseconds per ready socket. */
  serverCpuMs: number;
  generatorCores: number;
  heapPerSocket: number;
  rssPerSocket: number;
  errors: Record<string, number>;
}

async function measure(target: Target, pool: ClientPool, size: number, opts: { concurrency: number; timeoutMs: number }): Promise<Measurement> {
  const server = await target.start();
  try {
    const before = await server.memory();
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
    const gen = await pool.cpuSince(genCpu0);
    const after = await server.memory();
    const n = Math.max(1, result.ready);
    return {
      size,
      kind: target.kind,
      ready: result.ready,
      elapsedMs: result.elapsedMs,
      rate: result.ratePerSec,
      p50: result.ready_latency.percentile(50),
      p99: result.ready_latency.percentile(99),
      serverCores: cpuShare(serverCpu0, serverCpu1),
      serverCpuMs: (serverCpu1.user - serverCpu0.user + serverCpu1.system - serverCpu0.system) / 1000 / n,
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
  description: "connect+auth rate to 1k/5k/10k sockets and memory per idle authenticated socket, vs bare socket.io",
  async run(args): Promise<ScenarioResult> {
    const limit = maxSocketsPerProcess();
    const sizes = intListArg(args, "sizes", [1000, 5000, 10_000, Math.min(20_000, limit)], 1, 100_000);
    for (const s of sizes) {
      if (s > limit) throw new Error(`--sizes ${s} exceeds what one server process can hold here (open files limit ${String(openFilesLimit())})`);
    }
    const { workers, concurrency, timeoutMs } = clientPoolArgs(args, { default: 600, max: 1800 });
    const subscriptions = subscriptionsArg(args);
    const targets = await makeTargets(args, subscriptions);
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
        "time to all ready": ms(r.elapsedMs),
        "connect+auth /s": num(r.rate),
        "rate vs bare": bare ? ratio(r.rate, bare.rate) : "n/a",
        "ready p50": ms(r.p50),
        "ready p99": ms(r.p99),
        "heap / socket": bytes(r.heapPerSocket),
        "heap vs bare": bare ? ratio(r.heapPerSocket, bare.heapPerSocket) : "n/a",
        "RSS / socket": bytes(r.rssPerSocket),
        "server CPU / socket": ms(r.serverCpuMs),
        "CPU vs bare": bare ? ratio(r.serverCpuMs, bare.serverCpuMs) : "n/a",
        "server CPU (cores)": r.serverCores.toFixed(2),
        "generator CPU (cores)": r.generatorCores.toFixed(2),
        errors: tally(r.errors),
      };
    });

    const notes: string[] = [
      `Clients: socket.io-client over websocket only, ${workers} generator processes, ${concurrency} connects in flight per process, each on its own loopback source address (127.0.<storm>.2-${1 + workers}, a fresh block per storm).`,
      `Sockets authenticate with \`auth\` {app_id, subscriptions: [${subscriptions.join(", ")}], access_token}; the storm ends when every auth callback came back. The bare server acks \`auth\` and joins a room, nothing else.`,
      "Memory: server child run with --expose-gc; heap and RSS read after a full GC before the storm and with all sockets open and idle; the difference divided by the sockets.",
      "CPU (cores) is the share of one core over the storm (this machine has 2 cores; the server, the generator and anything else running compete for them). Server CPU / socket is the server process's CPU time for the storm divided by the sockets: the cost of one connect+auth, which depends far less on what else runs than the wall-clock rate does.",
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
        `${size} sockets: connect+auth rate ${ratio(gw.rate, bare.rate)} of bare (${rateTarget}); heap per socket ${ratio(gw.heapPerSocket, bare.heapPerSocket)} of bare (target <= 2x: ${heapOk ? "met" : "MISSED"}).`,
      );
    }
    return { title: "connect-storm: connect+auth rate and memory per socket", rows, notes };
  },
};

export default scenario;
