/**
 * The wallet-watcher composition root: ensures the JetStream resources, then consumes the
 * upstream wallet stream through the shared durable pull consumer with bounded
 * concurrency, one user's events in order. Replicas share the consumer; the ledger in KV
 * (CAS) is the only state.
 */
import { jetstream, jetstreamManager, type ConsumerMessages } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createNames } from "@socketpot/contracts";
import { natsReady, onceStop, readiness, registerService, type Logger, type Registry, type Service } from "@socketpot/service-kit";
import { Semaphore } from "./concurrency";
import type { WalletWatcherConfig } from "./config";
import { createProcessor, emptyCounters, streamCursor, type Counters } from "./processor";
import { ensureWalletResources, type WalletResources } from "./setup";
import { createKvLedgerStore, lastNotified, type LedgerStore } from "./store";
import { createWalletWatcherMetrics } from "./metrics";

/** How long one pull waits on the server; heartbeats every half of it. */
const PULL_EXPIRES_MS = 5_000;

export interface WalletWatcherDeps {
  config: WalletWatcherConfig;
  nc: NatsConnection;
  log: Logger;
  /** Where its metrics go (the process registry in production). */
  metrics?: Registry;
}

export interface WalletWatcherService {
  /** Ensures streams, consumer and bucket, then starts consuming. */
  start(): Promise<void>;
  /** Idempotent: stops intake, waits for in-flight events (bounded), does not close `nc`. */
  stop(): Promise<void>;
  stats(): Counters & { inFlight: number; heldNow: number };
  /** The ledger store (read-only use: tests, operations). */
  store(): LedgerStore;
  resources(): WalletResources;
  /** True while it consumes: started, NATS reachable. */
  ready(): Promise<boolean>;
}

export function createWalletWatcherService({ config, nc, log, metrics: registry }: WalletWatcherDeps): WalletWatcherService {
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const limits = {
    appliedHorizon: config.WALLET_APPLIED_HORIZON,
    settledHorizon: config.WALLET_SETTLED_HORIZON,
    maxPending: config.WALLET_MAX_PENDING,
    maxAmount: config.WALLET_MAX_AMOUNT,
  };
  const slots = new Semaphore(config.WALLET_CONCURRENCY);
  const inFlight = new Set<Promise<unknown>>();
  let resources: WalletResources | undefined;
  let store: LedgerStore | undefined;
  let processor: ReturnType<typeof createProcessor> | undefined;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  let stopping = false;
  let service: Service | undefined;
  const metrics =
    registry &&
    createWalletWatcherMetrics(registry, {
      counters: () => processor?.counters ?? emptyCounters(),
      async consumer() {
        if (!resources) return undefined;
        const info = await (await jetstreamManager(nc)).consumers.info(resources.stream, resources.durable);
        return { pending: info.num_pending, ackPending: info.num_ack_pending };
      },
    });

  async function consumeLoop(msgs: ConsumerMessages, proc: ReturnType<typeof createProcessor>): Promise<void> {
    for await (const msg of msgs) {
      await slots.acquire();
      if (stopping) {
        slots.release();
        msg.nak();
        continue;
      }
      const storedAt = msg.info.timestampNanos / 1e6;
      const p = proc.handle(msg).then((result) => {
        if (result === "applied") metrics?.notificationLatency.observe(Math.max(0, Date.now() - storedAt) / 1000);
      }).finally(() => {
        slots.release();
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
  }

  return {
    async start() {
      const jsm = await jetstreamManager(nc);
      resources = await ensureWalletResources(nc, jsm, names, {
        duplicateWindowMs: config.WALLET_DUPLICATE_WINDOW_MS,
        maxAgeMs: config.WALLET_MAX_AGE_MS,
        ackWaitMs: config.WALLET_ACK_WAIT_MS,
        maxAckPending: config.WALLET_MAX_ACK_PENDING,
        notificationsMaxAgeMs: config.WALLET_NOTIFICATIONS_MAX_AGE_MS,
        notificationsPerUser: config.WALLET_NOTIFICATIONS_PER_USER,
        replicas: config.SOCKETPOT_JS_REPLICAS,
      });
      const js = jetstream(nc);
      store = createKvLedgerStore(resources.kv, lastNotified(jsm, names, resources.notifications));
      processor = createProcessor({
        js,
        names,
        store,
        cursor: streamCursor(jsm, resources.stream, resources.allowDirect),
        log,
        limits,
        epoch: resources.epoch,
        ackWaitMs: config.WALLET_ACK_WAIT_MS,
        orderStallMs: config.WALLET_ORDER_STALL_MS ?? 2 * config.WALLET_ACK_WAIT_MS + 5_000,
      });
      const consumer = await js.consumers.get(resources.stream, resources.durable);
      // Pulls expire (and idle heartbeats come) every few seconds: when the consumer's leader
      // moves to another NATS node, the pull waiting on the old one is lost, and the client
      // notices only by missed heartbeats (two of expires/2). With the 30 s default that
      // stalled every user's notifications for 30-60 s after a node died.
      messages = await consumer.consume({ max_messages: config.WALLET_CONCURRENCY, expires: PULL_EXPIRES_MS });
      const proc = processor;
      loop = consumeLoop(messages, proc).catch((err: unknown) => {
        if (!stopping) log.error({ err }, "wallet consumer stopped unexpectedly");
      });
      // Discovery and monitoring ($SRV.PING / INFO / STATS).
      service = await registerService(
        nc,
        { name: "wallet-watcher", version: "0.1.0", description: "Balance notifications from wallet events" },
        config.SOCKETPOT_NAMESPACE,
      );
      log.info(
        { stream: resources.stream, durable: resources.durable, bucket: resources.bucket, concurrency: config.WALLET_CONCURRENCY },
        "wallet-watcher ready",
      );
    },
    stop: onceStop(async () => {
      stopping = true;
      await service?.stop().catch(() => undefined);
      messages?.stop();
      await loop;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), config.WALLET_STOP_DEADLINE_MS);
      });
      const done = await Promise.race([Promise.allSettled([...inFlight]).then(() => "done" as const), deadline]);
      clearTimeout(timer);
      if (done === "deadline") log.warn({ inFlight: inFlight.size }, "stopped with events in flight; they will be redelivered");
      processor?.close();
      if (!nc.isClosed()) await nc.flush().catch(() => undefined);
    }),
    stats() {
      return { ...(processor?.counters ?? emptyCounters()), inFlight: inFlight.size, heldNow: processor?.heldCount ?? 0 };
    },
    store() {
      if (!store) throw new Error("wallet-watcher not started");
      return store;
    },
    resources() {
      if (!resources) throw new Error("wallet-watcher not started");
      return resources;
    },
    ready: readiness({ consuming: () => messages !== undefined && !stopping, nats: () => natsReady(nc) }),
  };
}
