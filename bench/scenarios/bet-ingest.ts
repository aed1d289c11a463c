/**
 * bet-ingest: how many upstream bets per second one bet-stream process takes in (decode,
 * validate, score, sample, publish the bounded output), with 1, 100 and 10,000 active
 * apps, next to the ceiling measured in the same run: a bare NATS subscriber on the same
 * subject that only decodes (JSON.parse) the same messages.
 *
 * Method: a publisher on its own thread and connection sends pre-encoded generated bets
 * round-robin over the apps, as fast as the consumer keeps up (at most `window` messages
 * ahead of what the consumer has processed, so the server never buffers a backlog). The
 * rate is messages / time until the consumer has processed them all. Loopback NATS only.
 *
 * Flags: --bets N (per measurement, default 100000), --window N (default 20000),
 *        --apps 1,100,10000, --rate R (bet-stream BETS_RATE_PER_SECOND, default 10).
 */
import { randomBytes } from "node:crypto";
import { Worker } from "node:worker_threads";
import { Kvm } from "@nats-io/kv";
import { StorageType, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { MoneypotBet, createNames, decode, encode, type Names } from "@socketpot/contracts";
import { BetStreamEnv, WindowSampler, createBetGenerator, createBetStreamService, isJackpot, scoreBet } from "@socketpot/bet-stream";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** The publisher thread, plain JavaScript so that it needs no TypeScript loader. */
const PUBLISHER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
(async () => {
  const { connect } = await import(workerData.natsModule);
  const nc = await connect({ servers: workerData.natsUrl, name: "bench-bet-publisher" });
  const progress = new Int32Array(workerData.progress);
  parentPort.on("message", async (job) => {
    if (job.close) { await nc.drain(); parentPort.postMessage({ closed: true }); return; }
    const n = job.payloads.length;
    let sent = 0;
    const deadline = Date.now() + job.maxMs;
    while (sent < job.total && Date.now() < deadline) {
      const room = job.window - (sent - Atomics.load(progress, 0));
      if (room <= 0) { await new Promise((r) => setImmediate(r)); continue; }
      const k = Math.min(room, job.total - sent, 1000);
      for (let i = 0; i < k; i++) { const j = (sent + i) % n; nc.publish(job.subjects[j], job.payloads[j]); }
      sent += k;
      await new Promise((r) => setImmediate(r));
    }
    await nc.flush();
    parentPort.postMessage({ sent });
  });
  parentPort.postMessage({ ready: true });
})().catch((err) => parentPort.postMessage({ error: String(err) }));
`;

interface Publisher {
  run(job: { subjects: string[]; payloads: Uint8Array[]; total: number; window: number; maxMs: number }): Promise<number>;
  close(): Promise<void>;
  progress: Int32Array;
}

async function startPublisher(): Promise<Publisher> {
  const progressBuffer = new SharedArrayBuffer(4);
  const worker = new Worker(PUBLISHER_SOURCE, {
    eval: true,
    workerData: { natsModule: import.meta.resolve("@nats-io/transport-node"), natsUrl: NATS_URL, progress: progressBuffer },
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once("message", (m: Record<string, unknown>) => (typeof m.error === "string" ? reject(new Error(m.error)) : resolve(m)));
      worker.once("error", reject);
      worker.setMaxListeners(100);
    });
  await next();
  return {
    progress: new Int32Array(progressBuffer),
    async run(job) {
      const done = next();
      worker.postMessage(job);
      return Number((await done).sent);
    },
    async close() {
      const done = next();
      worker.postMessage({ close: true });
      await done.catch(() => undefined);
      await worker.terminate();
    },
  };
}

interface Workload {
  subjects: string[];
  payloads: Uint8Array[];
}

function workload(names: Names, apps: number, size: number): Workload {
  const gen = createBetGenerator({ seed: 42, jackpotProbability: 0.0002 });
  const subjects: string[] = [];
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    const appId = 1 + (i % apps);
    subjects.push(names.upstream.bets(appId));
    payloads.push(encode(gen.next(appId)));
  }
  return { subjects, payloads };
}

/** Runs one measurement: `processed()` is read every 2 ms into the shared progress counter. */
async function measure(pub: Publisher, load: Workload, processed: () => number, total: number, window: number): Promise<number> {
  const base = processed();
  Atomics.store(pub.progress, 0, 0);
  const timer = setInterval(() => Atomics.store(pub.progress, 0, processed() - base), 2);
  const start = performance.now();
  try {
    const sent = await pub.run({ ...load, total, window, maxMs: 60_000 });
    const until = Date.now() + 30_000;
    while (processed() - base < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    return ((processed() - base) * 1000) / (performance.now() - start);
  } finally {
    clearInterval(timer);
  }
}

async function ceiling(nc: NatsConnection, names: Names, pub: Publisher, load: Workload, total: number, window: number): Promise<number> {
  let n = 0;
  const decoder = new TextDecoder();
  let sink = 0;
  const sub = nc.subscribe(names.upstream.betsAll, {
    callback: (_err, msg) => {
      const v = JSON.parse(decoder.decode(msg.data)) as { id: number };
      sink ^= v.id;
      n++;
    },
  });
  await nc.flush();
  try {
    await measure(pub, load, () => n, Math.min(20_000, total), window); // warm-up
    return await measure(pub, load, () => n, total, window);
  } finally {
    sub.unsubscribe();
    if (sink === 0.5) console.log(sink);
  }
}

/** A bare subscriber that decodes each message and publishes it again: the cost of a pure relay. */
async function passThrough(nc: NatsConnection, names: Names, pub: Publisher, load: Workload, total: number, window: number): Promise<number> {
  let n = 0;
  const decoder = new TextDecoder();
  const out = new Map<string, string>();
  const prefix = names.upstream.bets(0).slice(0, -1);
  const sub = nc.subscribe(names.upstream.betsAll, {
    callback: (_err, msg) => {
      const v = JSON.parse(decoder.decode(msg.data)) as unknown;
      let subject = out.get(msg.subject);
      if (subject === undefined) {
        subject = names.fanout.bets(Number(msg.subject.slice(prefix.length)));
        out.set(msg.subject, subject);
      }
      nc.publish(subject, encode({ type: "new_bet", bet: v }));
      n++;
    },
  });
  await nc.flush();
  try {
    await measure(pub, load, () => n, Math.min(20_000, total), window); // warm-up
    return await measure(pub, load, () => n, total, window);
  } finally {
    sub.unsubscribe();
  }
}

async function betStream(
  names: Names,
  pub: Publisher,
  load: Workload,
  total: number,
  window: number,
  rate: number,
  foreignHalf: boolean,
  validateAll: boolean,
): Promise<{ rate: number; publishedPerAppSecond: number; foreignShare: number; invalid: number }> {
  const nc = await connect({ servers: NATS_URL, name: "bench-bet-stream" });
  const partitions = 16;
  if (foreignHalf) {
    // Another (pretend) replica holds half of the partitions.
    const kv = await new Kvm(nc).create(names.bucket("bet_stream_leases"), { history: 1, ttl: 120_000, storage: StorageType.Memory });
    await kv.put("replicas.bench-peer", JSON.stringify({ replica: "bench-peer" }));
    for (let p = partitions / 2; p < partitions; p++) await kv.create(`partitions.${p}`, JSON.stringify({ replica: "bench-peer" }));
  }
  const config = BetStreamEnv.parse({
    NATS_URL,
    SOCKETPOT_NAMESPACE: names.namespace,
    BETS_RATE_PER_SECOND: String(rate),
    BETS_PARTITIONS: String(partitions),
    BETS_LEASE_TTL_MS: "120000",
    BETS_LEASE_RENEW_MS: "1000",
    BETS_INVALID_LOGS_PER_MINUTE: "0",
    BETS_VALIDATE_ALL: String(validateAll),
  });
  const svc = createBetStreamService({ config, nc, log: pino({ level: "silent" }) });
  await svc.start();
  try {
    const until = Date.now() + 30_000;
    while (svc.stats().active_partitions < (foreignHalf ? partitions / 2 : partitions) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await measure(pub, load, () => svc.stats().received, Math.min(20_000, total), window); // warm-up
    const before = svc.stats();
    const t0 = performance.now();
    const r = await measure(pub, load, () => svc.stats().received, total, window);
    // let the last windows close
    const w = svc.stats().windows;
    while (svc.stats().windows < w + 2) await new Promise((res) => setTimeout(res, 20));
    const after = svc.stats();
    const seconds = (performance.now() - t0) / 1000;
    const apps = new Set(load.subjects).size;
    const ownedApps = foreignHalf ? Math.ceil(apps / 2) : apps;
    return {
      rate: r,
      publishedPerAppSecond: (after.published - before.published - (after.jackpots - before.jackpots)) / Math.max(1, Math.min(ownedApps, after.apps)) / seconds,
      foreignShare: (after.foreign - before.foreign) / Math.max(1, after.received - before.received),
      invalid: after.invalid - before.invalid,
    };
  } finally {
    await svc.stop();
    await nc.close();
  }
}

/** Per-bet cost of each step of the hot path, in this process, without NATS. */
function hotPath(): string[] {
  const gen = createBetGenerator({ seed: 7 });
  const msgs = Array.from({ length: 20_000 }, (_, i) => encode(gen.next(1 + (i % 100))));
  const decoder = new TextDecoder();
  const rounds = 5;
  const time = (fn: () => void) => {
    fn();
    const t = performance.now();
    for (let r = 0; r < rounds; r++) fn();
    return ((performance.now() - t) * 1000) / (rounds * msgs.length);
  };
  const parsed = msgs.map((m) => JSON.parse(decoder.decode(m)) as unknown);
  const bets = msgs.map((m) => {
    const d = decode(MoneypotBet, m);
    if (!d.ok) throw new Error(d.error);
    return d.value;
  });
  const parseUs = time(() => {
    for (const m of msgs) JSON.parse(decoder.decode(m));
  });
  const zodUs = time(() => {
    for (const p of parsed) MoneypotBet.safeParse(p);
  });
  const sampler = new WindowSampler<MoneypotBet>({ ratePerSecond: 10, windowMs: 250, recentLimit: 20 });
  let t = 0;
  const sampleUs = time(() => {
    for (const b of bets) sampler.offer(b.app_id, b, scoreBet(b), isJackpot(b), t);
    sampler.flush((t += 250));
  });
  return [
    `Hot path per bet (in-process, no NATS): JSON decode ${parseUs.toFixed(2)} µs, zod validation ${zodUs.toFixed(2)} µs, score + sample ${sampleUs.toFixed(2)} µs.`,
  ];
}

export default {
  name: "bet-ingest",
  description: "bets/s one bet-stream process ingests (1, 100, 10,000 apps) vs a bare decoding NATS subscriber",
  async run(args: Record<string, string>) {
    const total = Number(args.bets ?? 100_000);
    const window = Number(args.window ?? 20_000);
    const rate = Number(args.rate ?? 10);
    const appCounts = (args.apps ?? "1,100,10000").split(",").map(Number);
    const pub = await startPublisher();
    const nc = await connect({ servers: NATS_URL, name: "bench-bet-ceiling" });
    const rows: Record<string, string | number>[] = [];
    const namespaces: string[] = [];
    try {
      const cases = appCounts.map((apps) => ({ apps, foreignHalf: false, validateAll: false }));
      if (appCounts.includes(100)) {
        cases.push({ apps: 100, foreignHalf: true, validateAll: false });
        cases.push({ apps: 100, foreignHalf: false, validateAll: true });
      }
      for (const c of cases) {
        const ns = `bench_${randomBytes(4).toString("hex")}`;
        namespaces.push(ns);
        const names = createNames(ns);
        const load = workload(names, c.apps, Math.max(50_000, c.apps * 5));
        const ceil = await ceiling(nc, names, pub, load, total, window);
        const relay = c.apps >= 10_000 && !c.foreignHalf ? await passThrough(nc, names, pub, load, total, window) : undefined;
        const bs = await betStream(names, pub, load, total, window, rate, c.foreignHalf, c.validateAll);
        rows.push({
          "active apps": c.apps,
          "owned partitions": c.foreignHalf ? "8 of 16" : "16 of 16",
          "schema check": c.validateAll ? "every bet" : "choosable bets",
          "ceiling bets/s (decode only)": Math.round(ceil),
          "bet-stream bets/s": Math.round(bs.rate),
          "ratio": `${Math.round((bs.rate / ceil) * 100)}%`,
          "relay reference bets/s (decode + publish each)": relay === undefined ? "" : `${Math.round(relay)} (${Math.round((bs.rate / relay) * 100)}%)`,
          "non-jackpot new_bet per app per s (bound)": `${bs.publishedPerAppSecond.toFixed(2)} (${rate})`,
          "discarded by subject": `${Math.round(bs.foreignShare * 100)}%`,
        });
      }
    } finally {
      await pub.close();
      const jsm = await jetstreamManager(nc);
      for (const ns of namespaces) await jsm.streams.delete(`KV_${createNames(ns).bucket("bet_stream_leases")}`).catch(() => undefined);
      await nc.close();
    }
    return {
      title: "bet-ingest: bet-stream ingest rate vs a bare decoding subscriber",
      rows,
      notes: [
        `${total} bets per measurement after a 20,000-bet warm-up; publisher on its own thread at most ${window} bets ahead; BETS_RATE_PER_SECOND=${rate}.`,
        "\"new_bet per app per s\" is the output rate averaged over the owned apps, jackpots left out: at most the bound, lower when an app gets fewer bets than the bound.",
        "With 10,000 apps each app gets fewer bets than its bound, so every bet is validated and published again: the relay reference (decode + publish each message) is the fair ceiling for that row.",
        "\"choosable bets\" (default): a bet whose window already holds R better bets is dropped after JSON.parse, before the zod check; \"every bet\": BETS_VALIDATE_ALL=true.",
        "\"8 of 16\": another replica holds half the partitions; bet-stream discards their bets by the subject token, before JSON.parse.",
        ...hotPath(),
      ],
    };
  },
};
