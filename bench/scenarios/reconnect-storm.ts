/**
 * reconnect-storm: N authenticated sockets lose their server at once (the server child is
 * killed and started again on the same port); how long until every socket is connected and
 * authenticated again, and which errors the clients saw on the way.
 *
 * Clients use socket.io-client's own reconnection (default back-off: 1 s doubling to 5 s,
 * +/-50% jitter) and emit `auth` again on every `connect`, as the quick-start does.
 *
 * Flags: --sockets 5000  --workers 4  --concurrency 50  --targets bare,gateway
 *        --signal KILL|TERM (KILL: a crash; TERM: a graceful restart)  --subscriptions DEPOSITS,BETS
 *        --reconnect-delay 1000  --reconnect-delay-max 5000  --timeout-seconds 120
 */
import { setTimeout as sleep } from "node:timers/promises";
import { intArg, ms, num, ratio, tally } from "../lib/format";
import { ClientPool, clientPoolArgs } from "../lib/pool";
import { nowMs } from "../lib/probe";
import { makeTargets, subscriptionsArg, type Target } from "../lib/targets";
import type { Scenario, ScenarioResult } from "../lib/types";

interface Outcome {
  kind: Target["kind"];
  sockets: number;
  back: number;
  restartMs: number;
  allBackMs: number;
  afterListenMs: number;
  p50: number;
  p99: number;
  generatorCores: number;
  errors: Record<string, number>;
  unexpected: Record<string, number>;
}

/** Errors a client is expected to see while its server restarts. */
export function isDocumentedError(key: string): boolean {
  return (
    key === "disconnect:transport close" ||
    key === "disconnect:transport error" ||
    key === "disconnect:ping timeout" ||
    key.startsWith("connect_error:")
  );
}

async function storm(
  target: Target,
  pool: ClientPool,
  opts: { sockets: number; concurrency: number; timeoutMs: number; signal: NodeJS.Signals; delay: number; delayMax: number },
): Promise<Outcome> {
  let server = await target.start();
  try {
    const opened = await pool.open({
      url: server.url,
      count: opts.sockets,
      tokens: target.tokens(opts.sockets),
      auth: target.auth,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      reconnection: true,
      reconnectionDelay: opts.delay,
      reconnectionDelayMax: opts.delayMax,
      spreadAddresses: true,
    });
    if (opened.ready < opts.sockets) {
      throw new Error(`${target.kind}: only ${opened.ready}/${opts.sockets} sockets authenticated before the drop (${tally(opened.errors)})`);
    }
    await pool.mark();
    const gen0 = await pool.cpuMark();
    const port = server.port;
    const killedAt = nowMs();
    server.handle.kill(opts.signal);
    await server.handle.waitExit(30_000);
    // The port is free again once the process is gone; retry briefly if the kernel disagrees.
    let restarted: typeof server | undefined;
    for (let attempt = 0; attempt < 20 && !restarted; attempt++) {
      try {
        restarted = await target.start(port);
      } catch (err) {
        if (attempt === 19) throw err;
        await sleep(250);
      }
    }
    server = restarted!;
    const listeningAt = nowMs();
    const back = await pool.waitBack(opts.timeoutMs);
    const gen = await pool.cpuSince(gen0);
    const last = back.lastBackAt ?? Number.NaN;
    const unexpected = Object.fromEntries(Object.entries(back.errors).filter(([k]) => !isDocumentedError(k)));
    return {
      kind: target.kind,
      sockets: back.total,
      back: back.back,
      restartMs: listeningAt - killedAt,
      allBackMs: last - killedAt,
      afterListenMs: last - listeningAt,
      p50: back.back_latency.percentile(50),
      p99: back.back_latency.percentile(99),
      generatorCores: (gen.seconds * 1000) / Math.max(1, nowMs() - killedAt),
      errors: back.errors,
      unexpected,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await server.stop();
  }
}

const scenario: Scenario = {
  name: "reconnect-storm",
  description: "N sockets dropped at once by a server restart: time until all re-authenticated, errors seen",
  async run(args): Promise<ScenarioResult> {
    const sockets = intArg(args, "sockets", 5000, 1, 19_000);
    const { workers, concurrency, timeoutMs } = clientPoolArgs(args, { default: 120, max: 600 });
    const delay = intArg(args, "reconnect-delay", 1000, 0, 60_000);
    const delayMax = intArg(args, "reconnect-delay-max", 5000, 0, 300_000);
    const signal = `SIG${(args.signal ?? "KILL").toUpperCase().replace(/^SIG/, "")}` as NodeJS.Signals;
    if (signal !== "SIGKILL" && signal !== "SIGTERM") throw new Error("--signal must be KILL or TERM");
    const subscriptions = subscriptionsArg(args);
    const targets = await makeTargets(args, subscriptions);
    const pool = await ClientPool.start({ workers, name: "reconnect" });
    const outcomes: Outcome[] = [];
    try {
      for (const t of targets) await t.prepare(sockets);
      for (const t of targets) {
        console.error(`[reconnect-storm] ${t.kind}: ${sockets} sockets, ${signal}`);
        outcomes.push(await storm(t, pool, { sockets, concurrency, timeoutMs, signal, delay, delayMax }));
      }
    } finally {
      await pool.stop();
      for (const t of targets) await t.dispose().catch(() => undefined);
    }
    const bare = outcomes.find((o) => o.kind === "bare");
    const rows = outcomes.map((o) => ({
      sockets: o.sockets,
      server: o.kind,
      "back (re-authenticated)": `${o.back}/${o.sockets}`,
      "kill to all back": ms(o.allBackMs),
      "vs bare (kill to all back)": bare ? ratio(o.allBackMs, bare.allBackMs) : "n/a",
      "restart (kill to listening)": ms(o.restartMs),
      "listening to all back": ms(o.afterListenMs),
      "per-socket outage p50": ms(o.p50),
      "per-socket outage p99": ms(o.p99),
      "re-auth /s after listening": num(o.afterListenMs > 0 ? (o.back * 1000) / o.afterListenMs : Number.NaN),
      "generator CPU (cores)": o.generatorCores.toFixed(2),
      "unexpected errors": tally(o.unexpected),
      "documented errors": tally(o.errors, (k) => !isDocumentedError(k)),
    }));
    return {
      title: `reconnect-storm: ${sockets} sockets dropped at once (${signal})`,
      rows,
      notes: [
        `The server child gets ${signal} with ${sockets} authenticated sockets open, then a new server starts on the same port. Restart time includes process start-up (both servers run compiled with plain node, as the production image does: bench/lib/compiled.ts) and, for the gateway, connecting to NATS and setting up the directory.`,
        `Clients: socket.io-client 4 reconnection (delay ${delay} ms doubling to ${delayMax} ms, jitter 0.5), websocket only, \`auth\` re-emitted on every \`connect\`; "back" = connected and the new auth callback returned without error.`,
        "The headline is kill to all back: what the sockets' users wait, server start-up included (target: at most 1.3x bare's). Listening to all back leaves the start-up out.",
        "Documented errors: each socket sees one `disconnect: transport close` and `connect_error` for every attempt made while no server listens. Anything else (auth errors, server-side disconnects, sockets that never came back) is unexpected.",
      ],
    };
  },
};

export default scenario;
