/**
 * relay-throughput: deliveries per second from one event source to K idle sockets in one
 * room. Gateway: events published on the app's bets fan-out subject, relayed by the
 * gateway's generic NATS relay (validate, dedupe, emit to the room). Bare: the same `new_bet`
 * payloads emitted to a room by socket.io itself (`io.to(room).emit`).
 *
 * Flags: --sockets 1000  --messages 200  --workers 4  --concurrency 50  --targets bare,gateway
 *        --timeout-seconds 120
 */
import { intArg, ms, num, ratio, tally } from "../lib/format";
import { ClientPool, clientPoolArgs } from "../lib/pool";
import { cpuShare, nowMs } from "../lib/probe";
import type { BareServer } from "../lib/servers";
import { makeTargets, type Target } from "../lib/targets";
import type { Scenario, ScenarioResult } from "../lib/types";

interface Outcome {
  kind: Target["kind"];
  sockets: number;
  expected: number;
  delivered: number;
  elapsedMs: number;
  rate: number;
  p50: number;
  p99: number;
  serverCores: number;
  /** Server CPU microseconds per delivery. */
  serverCpuUs: number;
  generatorCores: number;
  errors: Record<string, number>;
}

function bet(id: number, stamp: string) {
  return {
    id,
    uname: "bench_player",
    kind: "simple_dice",
    wager: 1000,
    profit: -1000,
    outcome: 42.5,
    cond: "<",
    target: 49.5,
    created_at: "2026-01-01T00:00:00.000Z",
    salt: stamp,
  };
}

async function run(target: Target, pool: ClientPool, opts: { sockets: number; messages: number; concurrency: number; timeoutMs: number }): Promise<Outcome> {
  const server = await target.start();
  try {
    const opened = await pool.open({
      url: server.url,
      count: opts.sockets,
      tokens: target.tokens(opts.sockets),
      auth: target.auth,
      concurrency: opts.concurrency,
      timeoutMs: opts.timeoutMs,
      spreadAddresses: true,
      listen: { events: ["new_bet"], stampField: "salt" },
    });
    if (opened.ready < opts.sockets) throw new Error(`${target.kind}: only ${opened.ready}/${opts.sockets} sockets ready (${tally(opened.errors)})`);
    await pool.listenStats(true);
    const serverCpu0 = await server.cpu();
    const gen0 = await pool.cpuMark();
    const sentAt = nowMs();
    if (target.kind === "bare") {
      await (server as BareServer).broadcast({ room: `app:${target.auth.app_id}`, event: "new_bet", payload: bet(1, "t={{t}}"), count: opts.messages });
    } else {
      if (!target.publish || !target.flush) throw new Error("gateway target cannot publish");
      for (let i = 0; i < opts.messages; i++) {
        target.publish((names) => names.fanout.bets(target.auth.app_id), { type: "new_bet", bet: bet(i + 1, `t=${nowMs().toFixed(3)}`) });
        if (i % 50 === 49) await target.flush();
      }
      await target.flush();
    }
    const expected = opts.messages * opened.ready;
    const stats = await pool.waitReceived("new_bet", expected, opts.timeoutMs);
    const serverCpu1 = await server.cpu();
    const gen = await pool.cpuSince(gen0);
    const delivered = stats.counts.new_bet ?? 0;
    const lastAt = stats.spans.new_bet?.lastAt ?? sentAt;
    const elapsedMs = lastAt - sentAt;
    const hist = stats.latency.new_bet;
    return {
      kind: target.kind,
      sockets: opened.ready,
      expected,
      delivered,
      elapsedMs,
      rate: elapsedMs > 0 ? (delivered * 1000) / elapsedMs : Number.NaN,
      p50: hist?.percentile(50) ?? Number.NaN,
      p99: hist?.percentile(99) ?? Number.NaN,
      serverCores: cpuShare(serverCpu0, serverCpu1),
      serverCpuUs: delivered > 0 ? (serverCpu1.user - serverCpu0.user + serverCpu1.system - serverCpu0.system) / delivered : Number.NaN,
      generatorCores: (gen.seconds * 1000) / Math.max(1, elapsedMs),
      errors: opened.errors,
    };
  } finally {
    await pool.close().catch(() => undefined);
    await server.stop();
  }
}

const scenario: Scenario = {
  name: "relay-throughput",
  description: "deliveries/s from one event source to K idle sockets in one room (gateway NATS relay vs io.to(room).emit)",
  async run(args): Promise<ScenarioResult> {
    const sockets = intArg(args, "sockets", 1000, 1, 19_000);
    const messages = intArg(args, "messages", 200, 1, 100_000);
    const { workers, concurrency, timeoutMs } = clientPoolArgs(args, { default: 120, max: 600 });
    const targets = await makeTargets(args, ["BETS"]);
    const pool = await ClientPool.start({ workers, name: "relay" });
    const outcomes: Outcome[] = [];
    try {
      for (const t of targets) await t.prepare(sockets);
      for (const t of targets) {
        console.error(`[relay-throughput] ${t.kind}: ${messages} messages to ${sockets} sockets`);
        outcomes.push(await run(t, pool, { sockets, messages, concurrency, timeoutMs }));
      }
    } finally {
      await pool.stop();
      for (const t of targets) await t.dispose().catch(() => undefined);
    }
    const bare = outcomes.find((o) => o.kind === "bare");
    return {
      title: `relay-throughput: ${messages} events to ${sockets} sockets in one room`,
      rows: outcomes.map((o) => ({
        sockets: o.sockets,
        server: o.kind,
        "delivered / expected": `${o.delivered}/${o.expected}`,
        "first send to last delivery": ms(o.elapsedMs),
        "deliveries /s": num(o.rate),
        "vs bare": bare ? ratio(o.rate, bare.rate) : "n/a",
        "latency p50": ms(o.p50),
        "latency p99": ms(o.p99),
        "server CPU / delivery": `${o.serverCpuUs.toFixed(1)} µs`,
        "CPU vs bare": bare ? ratio(o.serverCpuUs, bare.serverCpuUs) : "n/a",
        "server CPU (cores)": o.serverCores.toFixed(2),
        "generator CPU (cores)": o.generatorCores.toFixed(2),
      })),
      notes: [
        "Gateway: the runner publishes `new_bet` fan-out messages on the app's bets subject as fast as NATS takes them; the gateway validates each with zod, dedupes by bet id and emits to the room. Bare: the server child emits the same payload to a room in a loop (yielding every 100).",
        "Latency: send time stamped in the payload, read by the receiving client (same machine clock); it includes queueing behind the burst, so it grows with --messages.",
        "The clients decode every delivery, so on 2 cores the generator competes with the server: deliveries/s is a floor for the server, not its ceiling.",
      ],
    };
  },
};

export default scenario;
