/**
 * bet-stream: consumes every Moneypot bet (`names.upstream.betsAll`), keeps only the apps
 * of the partitions this replica holds, samples each app's stream (sampler.ts) and
 * publishes the chosen bets as `new_bets` fan-out messages (`names.fanout.bets(app_id)`),
 * from a thread of their own (fanout-publisher.ts).
 * A bet is parsed and validated once and forwarded as the bytes it arrived in.
 * Answers `betsRecent` for the apps it holds. See docs/BETS.md.
 */
import { randomBytes } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { MAX_BET_BYTES, MoneypotBet, createNames, rpcCatalogue, toNewBet } from "@socketpot/contracts";
import {
  ThrottledLog,
  natsReady,
  onceStop,
  readiness,
  registerRpcMetrics,
  registerService,
  serveRpc,
  type Registry,
  type RpcEndpointStats,
  type Service,
  settledWithin,
} from "@socketpot/service-kit";
import { createBetValidator } from "./bet-validator";
import type { BetStreamConfig } from "./config";
import { FanoutPublisher } from "./fanout-publisher";
import { registerBetStreamMetrics } from "./metrics";
import { PartitionLeases } from "./leases";
import { RecentBetsStore } from "./recent-bets-store";
import { RATE_INTERVAL_MS, WindowSampler, type Emission } from "./sampler";
import { DEFAULT_SCORE_CONFIG, isJackpot, scoreBet, type ScoreConfig } from "./score";
import { WindowBytes } from "./window-bytes";

export const BET_STREAM_VERSION = "0.1.0";

export interface BetStreamDeps {
  config: BetStreamConfig;
  nc: NatsConnection;
  log: Logger;
  /** Clock (milliseconds); tests may inject one. */
  now?: () => number;
  /** Where its metrics go (the process registry in production). */
  metrics?: Registry;
}

export interface BetStreamStats {
  replica: string;
  /** Messages seen on the upstream subject. */
  received: number;
  /** Messages for apps of partitions another replica holds (discarded before decoding). */
  foreign: number;
  /** Invalid bets (bad subject, too large, bad JSON, schema violation, app_id not the subject's). */
  invalid: number;
  /** Valid bets offered to the sampler. */
  accepted: number;
  /** Bets published for clients (`new_bet` each; one `new_bets` message per app and window). */
  published: number;
  /** Bets not chosen (over the rate) or lost to a handover. */
  dropped: number;
  jackpots: number;
  /** The most non-jackpot `new_bet` one app was sent within 1 s (at most BETS_RATE_PER_SECOND). */
  max_app_rate: number;
  /** Windows closed so far (one per BETS_WINDOW_MS). */
  windows: number;
  /** Whether new_bets messages go out from the publisher thread (false: on the main connection, the thread having failed). */
  publisher_thread: boolean;
  apps: number;
  partitions: number[];
  active_partitions: number;
  live_replicas: number;
}

export interface BetStreamService {
  readonly replicaId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): BetStreamStats;
  /** True while it samples: started, NATS reachable. */
  ready(): Promise<boolean>;
}

export function createBetStreamService(deps: BetStreamDeps): BetStreamService {
  const { config, nc } = deps;
  const now = deps.now ?? Date.now;
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const replicaId = config.BETS_REPLICA_ID ?? `bs-${randomBytes(4).toString("hex")}`;
  const log = deps.log.child({ replica: replicaId });
  const P = config.BETS_PARTITIONS;
  const scoreConfig: ScoreConfig = {
    ...DEFAULT_SCORE_CONFIG,
    jackpotProfit: config.BETS_JACKPOT_PROFIT,
    jackpotMultiplier: config.BETS_JACKPOT_MULTIPLIER,
  };
  // A byte-order mark stays in the text, so JSON.parse refuses it: the bytes are forwarded as they are.
  const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
  /**
   * Each bet is kept as the bytes it arrived in (copied into `windowBytes` while its window
   * is open; the sampler holds its index) and is never serialized again.
   */
  const windowBytes = new WindowBytes();
  const sampler = new WindowSampler<number>({
    ratePerSecond: config.BETS_RATE_PER_SECOND,
    windowMs: config.BETS_WINDOW_MS,
  });
  const recent = new RecentBetsStore(config.BETS_RECENT);
  /** `active[p]` is 1 while this replica may sample partition p (refreshed every window). */
  const active = new Uint8Array(P);
  const counters = { received: 0, foreign: 0, invalid: 0, accepted: 0, published: 0, lost: 0, windows: 0 };
  const validateBet = createBetValidator();
  const invalidLog = new ThrottledLog(config.BETS_INVALID_LOGS_PER_MINUTE, (f, m) => log.warn(f, m), now);
  const publisher = new FanoutPublisher({
    natsUrl: config.NATS_URL,
    name: `socketpot-bet-stream-fanout-${replicaId}`,
    subjectPrefix: names.fanout.betsPrefix,
    fallback: nc,
    log,
  });

  const leases = new PartitionLeases({
    nc,
    bucket: names.bucket("bet_stream_leases"),
    bucketReplicas: config.SOCKETPOT_JS_REPLICAS,
    replicaId,
    partitions: P,
    ttlMs: config.BETS_LEASE_TTL_MS,
    renewMs: config.BETS_LEASE_RENEW_MS,
    quietMs: RATE_INTERVAL_MS,
    log,
    now,
    onLost: (p) => {
      active[p] = 0;
      sampler.dropApps((appId) => appId % P === p);
      recent.dropApps((appId) => appId % P === p);
    },
  });

  let sub: Subscription | undefined;
  let service: Service | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let evictTimer: NodeJS.Timeout | undefined;
  let tickNow = now();

  function refreshActive(t: number): void {
    for (let p = 0; p < P; p++) active[p] = leases.active(p, t) ? 1 : 0;
  }

  function invalid(subject: string, error: string): void {
    counters.invalid++;
    invalidLog.log({ subject, error: error.slice(0, 300) }, "invalid upstream bet skipped");
  }

  /** The hot path: one upstream message. */
  function ingest(subject: string, data: Uint8Array): void {
    counters.received++;
    const appId = names.upstream.parseBets(subject);
    if (appId <= 0) {
      invalid(subject, "subject does not end in an app_id");
      return;
    }
    if (active[appId % P] === 0) {
      counters.foreign++;
      return;
    }
    if (data.length > MAX_BET_BYTES) {
      invalid(subject, `larger than ${MAX_BET_BYTES} bytes`);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(textDecoder.decode(data));
    } catch {
      invalid(subject, "not valid JSON");
      return;
    }
    const verdict = validateBet(raw);
    if (!verdict.ok) {
      invalid(subject, verdict.error);
      return;
    }
    const bet = verdict.bet;
    if (bet.app_id !== appId) {
      invalid(subject, `app_id ${bet.app_id} differs from the subject's`);
      return;
    }
    counters.accepted++;
    const score = scoreBet(bet, scoreConfig);
    const jackpot = isJackpot(bet, scoreConfig);
    if (!jackpot && !sampler.admits(appId, score)) {
      sampler.countRejected(appId);
      return;
    }
    sampler.offer(appId, windowBytes.add(data), score, jackpot, tickNow);
  }

  function flush(): void {
    try {
      flushWindows();
    } catch (err) {
      log.error({ err: (err as Error).message }, "publishing new_bet failed");
    }
  }

  function flushWindows(): void {
    const t = now();
    tickNow = t;
    counters.windows++;
    refreshActive(t);
    try {
      publishEmissions(sampler.flush(t), t);
    } finally {
      windowBytes.clear();
    }
  }

  function publishEmissions(emissions: Emission<number>[], t: number): void {
    for (const emission of emissions) {
      if (active[emission.appId % P] === 0) {
        counters.lost += emission.items.length;
        continue;
      }
      const bets = emission.items.map((index) => windowBytes.get(index));
      // One message per app and window (split above MAX_BETS_PER_MESSAGE bets or MAX_BET_FANOUT_BYTES): with thousands
      // of apps, a message per bet would double the messages NATS and the gateways handle.
      publisher.add(emission.appId, bets);
      counters.published += bets.length;
      recent.remember(emission.appId, bets, t);
    }
    publisher.send();
  }

  function stats(): BetStreamStats {
    const t = now();
    let activeCount = 0;
    for (let p = 0; p < P; p++) if (leases.active(p, t)) activeCount++;
    return {
      replica: replicaId,
      received: counters.received,
      foreign: counters.foreign,
      invalid: counters.invalid,
      accepted: counters.accepted,
      published: counters.published,
      dropped: sampler.stats.dropped + counters.lost,
      jackpots: sampler.stats.jackpots,
      max_app_rate: sampler.stats.maxRate,
      windows: counters.windows,
      publisher_thread: publisher.threaded,
      apps: sampler.appCount,
      partitions: leases.owned(),
      active_partitions: activeCount,
      live_replicas: leases.liveReplicas,
    };
  }

  /** The bets an app's late joiner starts with; the service answers only for the apps it holds. */
  async function recentBets(appId: number) {
    // The bets were validated as MoneypotBet when they arrived.
    return { bets: recent.list(appId).map((json) => toNewBet(JSON.parse(json) as MoneypotBet)), limit: config.BETS_RECENT };
  }

  let stopping = false;
  const stopped = () => stopping;
  const stop = onceStop(async () => {
    stopping = true;
    if (flushTimer) clearInterval(flushTimer);
    if (evictTimer) clearInterval(evictTimer);
    // Stop intake at once, then send what the open windows chose, then give the partitions
    // back. Not a drain: after a flood the connection holds a backlog of bets, and a drain
    // validates every one of them before it resolves, which on a busy machine took longer
    // than the 10 s stop deadline. Bets still queued are dropped, as a partition's bets are
    // while it changes hands.
    sub?.unsubscribe();
    flush();
    await publisher.close();
    await service?.stop().catch(() => undefined);
    await leases.stop();
    await settledWithin(nc.flush(), 2_000);
    log.info(stats(), "bet-stream stopped");
  });

  let started = false;
  const endpoints = new Map<string, RpcEndpointStats>();
  if (deps.metrics) {
    registerBetStreamMetrics(deps.metrics, stats);
    registerRpcMetrics(deps.metrics, endpoints);
  }

  return {
    replicaId,
    stats,
    stop,
    ready: readiness({ started: () => started && !stopped(), leases: () => leases.healthy, nats: () => natsReady(nc) }),
    async start() {
      await publisher.start();
      await leases.start();
      refreshActive(now());
      sub = nc.subscribe(names.upstream.betsAll, {
        callback: (err, msg) => {
          if (err) {
            log.error({ err: err.message }, "upstream subscription failed");
            return;
          }
          ingest(msg.subject, msg.data);
        },
      });
      service = await registerService(
        nc,
        { name: "bet-stream", version: BET_STREAM_VERSION, description: "Sampled per-app bet feed (new_bet) and recent bets for late joiners" },
        names.namespace,
        { metadata: { replica: replicaId }, statsHandler: async () => stats(), everyInstance: true },
      );
      // Every replica hears the request; only the partition's holder answers.
      const holds = (req: { app_id: number }) => leases.holds(req.app_id % P, now());
      endpoints.set("bets-recent", serveRpc(service, "bets-recent", rpcCatalogue(names).betsRecent, (req) => recentBets(req.app_id), log, { answers: holds }));
      flushTimer = setInterval(flush, config.BETS_WINDOW_MS);
      evictTimer = setInterval(() => {
        sampler.evictIdle(now(), config.BETS_APP_IDLE_MS);
        recent.evictIdle(now(), config.BETS_APP_IDLE_MS);
      }, Math.min(60_000, config.BETS_APP_IDLE_MS));
      evictTimer.unref?.();
      await nc.flush();
      started = true;
      log.info({ partitions: leases.owned(), rate: config.BETS_RATE_PER_SECOND, window_ms: config.BETS_WINDOW_MS }, "bet-stream ready");
    },
  };
}
