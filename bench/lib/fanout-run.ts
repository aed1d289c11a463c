/**
 * The measurement loop shared by chat-fanout and chat-fanout-cluster: every system under
 * test gets the same client code (FanoutClients, its own set of client processes), N
 * receivers split over its nodes and the poster on its first node; rounds interleave the
 * systems (the order flips every round) and every in-flight setting, so all see the same
 * machine load. Per round: deliveries, latency, and the CPU time of the system's server
 * processes, its side processes and its client processes, from /proc.
 */
import { ms, num, ratio, tally } from "./format";
import { FanoutClients } from "./fanout-clients";
import type { FanoutSystem } from "./fanout-systems";
import { Histogram } from "./histogram";
import { maxSocketsPerProcess } from "./limits";
import { externalSince, markExternal, totalSeconds, type ExternalProcess } from "./proc-cpu";

export interface FanoutPlan {
  sizes: number[];
  inFlight: number[];
  rounds: number;
  /** Deliveries one round aims at: messages per round = this / N (at least 2 x the largest in-flight). */
  deliveriesPerRound: number;
  workers: number;
  concurrency: number;
  timeoutMs: number;
}

interface Cell {
  rates: number[];
  deliveries: number;
  expected: number;
  messages: number;
  complete: number;
  seconds: number;
  latency: Histogram;
  serverCpu: number;
  sideCpu: number;
  clientCpu: number;
  ackErrors: Record<string, number>;
  counted: string;
  /** CPU seconds by kind of counted process ("gateway", "NATS server", "node", "Redis"). */
  split: Record<string, number>;
}

export interface FanoutOutcome {
  rows: Record<string, string | number>[];
  notes: string[];
  /** Per size, in-flight and system label: deliveries/s and server CPU us per delivery. */
  figures: { n: number; inFlight: number; label: string; rate: number; cpuUs: number }[];
}

function messagesPerRound(plan: FanoutPlan, n: number): number {
  return Math.max(2 * Math.max(...plan.inFlight), Math.ceil(plan.deliveriesPerRound / n));
}

/** Why size `n` cannot run here (one descriptor per socket), or undefined when it can. */
export function sizeProblem(n: number, nodes: number, workers: number): string | undefined {
  const limit = maxSocketsPerProcess();
  const perNode = Math.ceil(n / nodes) + 1;
  const perWorker = Math.ceil(n / workers) + 1;
  if (perNode > limit) return `N=${n}: ${perNode} sockets per server process exceed the open files limit here (${limit + 400})`;
  if (perWorker > limit) return `N=${n}: ${perWorker} sockets per client process exceed the open files limit here (${limit + 400}); raise --workers`;
  return undefined;
}

export async function runFanout(starters: (() => Promise<FanoutSystem>)[], plan: FanoutPlan): Promise<FanoutOutcome> {
  const systems: FanoutSystem[] = [];
  const clients: FanoutClients[] = [];
  const cells = new Map<string, Cell>();
  const notes: string[] = [];
  const key = (n: number, k: number, label: string) => `${n}|${k}|${label}`;
  try {
    for (const start of starters) {
      const s = await start();
      systems.push(s);
      clients.push(await FanoutClients.start(s.label.split(" ")[0]!.toLowerCase(), plan.workers));
    }
    const maxNodes = Math.min(...systems.map((s) => s.nodeUrls.length));
    for (const n of plan.sizes) {
      const problem = sizeProblem(n, maxNodes, plan.workers);
      if (problem) {
        notes.push(`Skipped ${problem}.`);
        console.error(`[fanout] skipped ${problem}`);
        continue;
      }
      for (let i = 0; i < systems.length; i++) {
        const s = systems[i]!;
        const t0 = performance.now();
        const opened = await clients[i]!.open({ urls: s.nodeUrls, count: n, auth: s.receiverAuth, posterUrl: s.nodeUrls[0]!, posterAuth: s.posterAuth, concurrency: plan.concurrency, timeoutMs: plan.timeoutMs });
        console.error(`[fanout] ${s.label}: ${opened.ready}/${n} receivers in ${((performance.now() - t0) / 1000).toFixed(1)} s${opened.ready < n ? ` (${tally(opened.errors)})` : ""}`);
        if (opened.ready < n) notes.push(`${s.label}, N=${n}: only ${opened.ready} receivers connected (${tally(opened.errors)}).`);
        await clients[i]!.round(`warm${n}`, Math.min(20, messagesPerRound(plan, n)), Math.max(...plan.inFlight));
      }
      const messages = messagesPerRound(plan, n);
      for (let r = 0; r < plan.rounds; r++) {
        const order = systems.map((_, i) => i);
        if (r % 2 === 1) order.reverse();
        for (const k of plan.inFlight) {
          for (const i of order) {
            const s = systems[i]!;
            const counted: ExternalProcess[] = await s.counted();
            const side = await s.side();
            const clientProcs = clients[i]!.pids().map((pid, j) => ({ name: `client ${j}`, pid }));
            const marks = [markExternal(counted), markExternal(side), markExternal(clientProcs)] as const;
            const res = await clients[i]!.round(`r${n}x${k}x${r}`, messages, k);
            const [serverReadings, sideReadings, clientReadings] = marks.map((m) => externalSince(m));
            const serverCpu = totalSeconds(serverReadings!);
            const clientCpu = totalSeconds(clientReadings!);
            // A PostgreSQL backend may come or go between readings: the side figure sums what could be read.
            const sideCpu = sideReadings!.reduce((sum, p) => sum + (p.seconds ?? 0), 0);
            const cell = cells.get(key(n, k, s.label)) ?? {
              rates: [], deliveries: 0, expected: 0, messages: 0, complete: 0, seconds: 0, latency: new Histogram(),
              serverCpu: 0, sideCpu: 0, clientCpu: 0, ackErrors: {}, counted: counted.map((p) => p.name).join(" + "), split: {},
            };
            cell.rates.push(res.deliveries / res.seconds);
            cell.deliveries += res.deliveries;
            cell.expected += res.expected;
            cell.messages += res.messages;
            cell.complete += res.complete;
            cell.seconds += res.seconds;
            cell.latency.merge(res.latency);
            cell.serverCpu += serverCpu;
            cell.sideCpu += sideCpu;
            for (const r of serverReadings!) {
              const kind = r.name.replace(/ \d+$/, "");
              cell.split[kind] = (cell.split[kind] ?? 0) + (r.seconds ?? Number.NaN);
            }
            cell.clientCpu += clientCpu;
            for (const [e, v] of Object.entries(res.ackErrors)) cell.ackErrors[e] = (cell.ackErrors[e] ?? 0) + v;
            cells.set(key(n, k, s.label), cell);
            console.error(`[fanout] N=${n} in flight ${k} ${s.label} round ${r + 1}: ${num(res.deliveries / res.seconds)} deliveries/s, p99 ${ms(res.latency.percentile(99))}, server CPU ${((serverCpu / Math.max(1, res.deliveries)) * 1e6).toFixed(1)} us/delivery`);
          }
        }
      }
      await Promise.all(clients.map((c) => c.close()));
    }
  } finally {
    await Promise.all(clients.map((c) => c.stop().catch(() => undefined)));
    for (const s of systems.reverse()) await s.stop().catch((err: unknown) => console.error(`[fanout] stopping ${s.label}: ${String(err)}`));
  }

  const rows: Record<string, string | number>[] = [];
  const figures: FanoutOutcome["figures"] = [];
  const labels = starters.length > 0 ? [...new Set([...cells.keys()].map((k) => k.split("|")[2]!))] : [];
  const reference = labels[1];
  for (const n of plan.sizes) {
    for (const k of plan.inFlight) {
      for (const label of labels) {
        const c = cells.get(key(n, k, label));
        if (!c) continue;
        const rate = c.deliveries / c.seconds;
        const cpuUs = (c.serverCpu / Math.max(1, c.deliveries)) * 1e6;
        figures.push({ n, inFlight: k, label, rate, cpuUs });
        const ref = reference && label !== reference ? cells.get(key(n, k, reference)) : undefined;
        const refRate = ref ? ref.deliveries / ref.seconds : Number.NaN;
        const refCpu = ref ? (ref.serverCpu / Math.max(1, ref.deliveries)) * 1e6 : Number.NaN;
        rows.push({
          N: n,
          "in flight": k,
          system: label,
          "deliveries/s": num(rate),
          "per round": `${num(Math.min(...c.rates))}-${num(Math.max(...c.rates))}`,
          [`vs ${reference ?? "reference"}`]: ref ? ratio(rate, refRate) : "",
          p50: ms(c.latency.percentile(50)),
          p99: ms(c.latency.percentile(99)),
          "server CPU / delivery": Number.isFinite(cpuUs) ? `${cpuUs.toFixed(1)} us` : "not measured",
          "CPU vs reference": ref ? ratio(cpuUs, refCpu) : "",
          "server CPU split / delivery": Object.entries(c.split).map(([kind, sec]) => `${kind} ${((sec / Math.max(1, c.deliveries)) * 1e6).toFixed(1)}`).join(" + "),
          "chat + PostgreSQL CPU / delivery": c.sideCpu > 0 ? `${((c.sideCpu / Math.max(1, c.deliveries)) * 1e6).toFixed(1)} us` : "-",
          "client CPU (cores)": (c.clientCpu / c.seconds).toFixed(2),
          delivered: `${c.deliveries}/${c.expected}`,
          "ack errors": tally(c.ackErrors),
        });
      }
    }
  }
  for (const label of labels) {
    const c = [...cells.entries()].find(([k]) => k.endsWith(`|${label}`))?.[1];
    if (c) notes.push(`Server CPU of ${label}: ${c.counted} (utime + stime from /proc/<pid>/stat over each round).`);
  }
  return { rows, notes, figures };
}

/** `--in-flight 1,8`, `--sizes`, `--rounds`... into a plan (bounded). */
export function fanoutPlan(args: Record<string, string>, defaults: { sizes: number[] }): FanoutPlan {
  const list = (name: string, fallback: number[], max: number) => {
    const raw = args[name];
    if (raw === undefined) return fallback;
    const values = raw.split(",").map((s) => Number(s.trim()));
    for (const v of values) if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name} takes integers in [1, ${max}], got ${raw}`);
    return values;
  };
  const int = (name: string, fallback: number, min: number, max: number) => {
    const v = args[name] === undefined ? fallback : Number(args[name]);
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
    return v;
  };
  return {
    sizes: list("sizes", defaults.sizes, 100_000),
    inFlight: list("in-flight", [1, 8], 64),
    rounds: int("rounds", 4, 1, 20),
    deliveriesPerRound: int("deliveries", 40_000, 1000, 10_000_000),
    workers: int("workers", 4, 1, 16),
    concurrency: int("concurrency", 50, 1, 1000),
    timeoutMs: int("timeout-seconds", 300, 10, 1800) * 1000,
  };
}
