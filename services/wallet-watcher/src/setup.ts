/**
 * JetStream resources the watcher needs, created when missing: the upstream wallet stream
 * (with a duplicate window, so `Nats-Msg-Id` = `event_id` dedupes publisher retries), the
 * dead-letter stream, the shared durable pull consumer and the ledger KV bucket.
 * Several replicas may run this at once: every step tolerates losing the race.
 */
import { AckPolicy, DeliverPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamManager, type StreamInfo } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { nanos, type NatsConnection } from "@nats-io/transport-node";
import type { Names } from "@socketpot/contracts";
import { ensureReplicas, kvStream } from "@socketpot/service-kit";

export type WalletResourcesConfig = {
  /** Stream duplicate window (ms). */
  duplicateWindowMs: number;
  /** How long wallet events are kept in the stream (ms). */
  maxAgeMs: number;
  /** How long the server waits for an ack before redelivering (ms). */
  ackWaitMs: number;
  /** Unacknowledged messages the consumer may have out across all replicas. */
  maxAckPending: number;
  /** How long the deposits stream keeps each user's notifications (ms), and how many at most. */
  notificationsMaxAgeMs: number;
  notificationsPerUser: number;
  /** Replicas of every stream and the bucket (SOCKETPOT_JS_REPLICAS; default 1). */
  replicas?: number;
};

export type WalletResources = {
  stream: string;
  durable: string;
  bucket: string;
  kv: KV;
  /** Identifies this instance of the stream (its creation time): sequences restart with a new one. */
  epoch: string;
  /** Whether the upstream stream answers direct gets (faster than the API's message get). */
  allowDirect: boolean;
  /** The stream that keeps every user's recent notifications (their fan-out subjects). */
  notifications: string;
};

const STREAM_NOT_FOUND = 10059;
const CONSUMER_NOT_FOUND = 10014;

function isApiError(err: unknown, code: number): boolean {
  return err instanceof JetStreamApiError && err.code === code;
}

async function ensureStream(jsm: JetStreamManager, name: string, subject: string, cfg: WalletResourcesConfig): Promise<StreamInfo> {
  try {
    const info = await jsm.streams.info(name);
    await ensureReplicas(jsm, name, (cfg.replicas ?? 1));
    return info;
  } catch (err) {
    if (!isApiError(err, STREAM_NOT_FOUND)) throw err;
  }
  try {
    const info = await jsm.streams.add({
      num_replicas: (cfg.replicas ?? 1),
      name,
      subjects: [subject],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      duplicate_window: nanos(cfg.duplicateWindowMs),
      max_age: nanos(cfg.maxAgeMs),
      allow_direct: true,
    });
    return info;
  } catch (err) {
    // Another replica created it first.
    return await jsm.streams.info(name).catch(() => Promise.reject(err));
  }
}

/**
 * The deposits stream captures the notifications published on the fan-out subjects (plain
 * publishes: a stream stores what matches its subjects), one subject per user, so gateways can
 * replay what a socket missed and the ledger can learn a lost user's last `seq`. Its limits
 * follow the configuration on every start.
 */
async function ensureNotificationStream(jsm: JetStreamManager, names: Names, cfg: WalletResourcesConfig): Promise<string> {
  const name = names.fanout.depositsStream;
  const limits = { max_age: nanos(cfg.notificationsMaxAgeMs), max_msgs_per_subject: cfg.notificationsPerUser };
  let info: StreamInfo | undefined;
  try {
    info = await jsm.streams.info(name);
  } catch (err) {
    if (!isApiError(err, STREAM_NOT_FOUND)) throw err;
  }
  if (info) {
    if (info.config.max_age !== limits.max_age || info.config.max_msgs_per_subject !== limits.max_msgs_per_subject) {
      await jsm.streams.update(name, { ...info.config, ...limits });
    }
    await ensureReplicas(jsm, name, (cfg.replicas ?? 1));
    return name;
  }
  try {
    await jsm.streams.add({
      name,
      subjects: [names.fanout.depositsAll],
      num_replicas: (cfg.replicas ?? 1),
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      allow_direct: true,
      ...limits,
    });
  } catch (err) {
    await jsm.streams.info(name).catch(() => Promise.reject(err));
  }
  return name;
}

export async function ensureWalletResources(nc: NatsConnection, jsm: JetStreamManager, names: Names, cfg: WalletResourcesConfig): Promise<WalletResources> {
  const stream = names.upstream.walletStream;
  const durable = names.durable("wallet-watcher");
  const bucket = names.depositLedgerBucket;

  const upstream = await ensureStream(jsm, stream, names.upstream.walletAll, cfg);
  await ensureStream(jsm, names.upstream.walletDeadLetterStream, names.upstream.walletDeadLetter, cfg);

  const wanted = { ack_wait: nanos(cfg.ackWaitMs), max_ack_pending: cfg.maxAckPending };
  let exists = true;
  try {
    await jsm.consumers.info(stream, durable);
  } catch (err) {
    if (!isApiError(err, CONSUMER_NOT_FOUND)) throw err;
    exists = false;
  }
  if (exists) {
    await jsm.consumers.update(stream, durable, wanted);
  } else {
    try {
      await jsm.consumers.add(stream, {
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: names.upstream.walletAll,
        max_deliver: -1,
        ...wanted,
      });
    } catch (err) {
      await jsm.consumers.info(stream, durable).catch(() => Promise.reject(err));
    }
  }

  const notifications = await ensureNotificationStream(jsm, names, cfg);
  const kv = await new Kvm(nc).create(bucket, { history: 1, replicas: (cfg.replicas ?? 1) });
  await ensureReplicas(jsm, kvStream(bucket), (cfg.replicas ?? 1));
  return { stream, durable, bucket, kv, epoch: upstream.created, allowDirect: upstream.config.allow_direct === true, notifications };
}
