/**
 * Partition ownership across bet-stream replicas, by leases in a JetStream KV bucket.
 *
 * Apps are spread over P partitions (`app_id % P`). A replica owns a partition while it
 * holds the key `partitions.<p>`: it takes a free one with `create` (fails if another
 * replica holds it) and renews it with `update` at the revision it last wrote (fails if it
 * lost it). The bucket's TTL removes keys that are not renewed, so a killed replica's
 * partitions become free after one TTL. Each replica also keeps `replicas.<id>` alive and
 * aims for ceil(P / live replicas) partitions: it releases extras and takes free ones, so
 * partitions spread evenly as replicas come and go.
 *
 * Safety (no partition sampled twice): a replica treats a lease as valid until
 * `sent + TTL - margin`, where `sent` is when it sent the write that renewed it; the
 * server removes the key no earlier than TTL after that write, so the old owner has
 * stopped before anyone else can create the key. A new owner also waits `quietMs` (the
 * rate interval) before emitting, so the per-app rate bound holds across a handover.
 */
import { StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { jetstreamManager } from "@nats-io/jetstream";
import { ensureReplicas, kvStream, settledWithin } from "@socketpot/service-kit";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { z } from "zod";

/** How long a stopping replica waits for its lease releases (see stop). */
const RELEASE_DEADLINE_MS = 3_000;

const PARTITION_PREFIX = "partitions.";
const REPLICA_PREFIX = "replicas.";
const CONFIG_KEY = "config";

const LeaseConfigRecord = z.object({ partitions: z.number().int().positive() });

interface Lease {
  revision: number;
  /** Local time from which the replica may emit for the partition. */
  activeFrom: number;
  /** Local time after which the replica must no longer emit. */
  validUntil: number;
}

export interface PartitionLeasesOptions {
  nc: NatsConnection;
  bucket: string;
  /** Replicas of the bucket (SOCKETPOT_JS_REPLICAS). */
  bucketReplicas?: number;
  replicaId: string;
  partitions: number;
  ttlMs: number;
  renewMs: number;
  /** Wait this long after taking a partition before emitting (the rate interval). */
  quietMs: number;
  log: Logger;
  now?: () => number;
  /** Called after a partition is lost or released (its app state must be dropped). */
  onLost?: (partition: number) => void;
}

export class LeaseConfigMismatch extends Error {
  override name = "LeaseConfigMismatch";
}

export class PartitionLeases {
  private kv: KV | undefined;
  private readonly leases = new Map<number, Lease>();
  private ttlMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private rebalancing: Promise<void> | undefined;
  private lastTarget: number | undefined;
  private stopped = false;
  private lastRenewed = 0;
  /** Live replicas seen at the last tick. */
  liveReplicas = 0;

  constructor(private readonly opts: PartitionLeasesOptions) {
    this.ttlMs = opts.ttlMs;
    this.now = opts.now ?? Date.now;
  }

  /** Opens (or creates) the bucket, checks P agrees, takes a first share and starts renewing. */
  async start(): Promise<void> {
    this.kv = await this.openBucket();
    const status = await this.kv.status();
    // The bucket may predate this replica with another TTL: the bucket's one is the truth.
    if (status.ttl > 0) this.ttlMs = status.ttl;
    await this.checkPartitionCount();
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.opts.renewMs);
    this.timer.unref?.();
  }

  /**
   * Opens the bucket, creating it when missing. It is kept in memory: a NATS restart loses
   * it, and a failed renewal opens it again (see tick).
   */
  private async openBucket(): Promise<KV> {
    const replicas = this.opts.bucketReplicas ?? 1;
    const kv = await new Kvm(this.opts.nc).create(this.opts.bucket, { history: 1, ttl: this.opts.ttlMs, storage: StorageType.Memory, replicas });
    if (replicas > 1) await ensureReplicas(await jetstreamManager(this.opts.nc), kvStream(this.opts.bucket), replicas);
    return kv;
  }

  /** False once renewals have failed for a lease TTL: the replica cannot own partitions. */
  get healthy(): boolean {
    return this.now() - this.lastRenewed < this.ttlMs;
  }

  /** True when the replica may emit for this partition at `now`. */
  active(partition: number, now: number): boolean {
    const lease = this.leases.get(partition);
    return lease !== undefined && now >= lease.activeFrom && now < lease.validUntil;
  }

  /** True while the replica holds the lease (its quiet period included). */
  holds(partition: number, now: number): boolean {
    const lease = this.leases.get(partition);
    return lease !== undefined && now < lease.validUntil;
  }

  /** Partitions held (active or in their quiet period). */
  owned(): number[] {
    return [...this.leases.keys()].sort((a, b) => a - b);
  }

  /** Releases every lease (so another replica takes over at once) and stops renewing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const kv = this.kv;
    const releases = async () => {
      await Promise.all([this.renewing, this.rebalancing]);
      if (!kv) return;
      const held = [...this.leases];
      for (const [p] of held) this.lose(p);
      await Promise.all([
        ...held.map(([p, lease]) => kv.delete(partitionKey(p), { previousSeq: lease.revision }).catch(() => undefined)),
        kv.delete(REPLICA_PREFIX + this.opts.replicaId).catch(() => undefined),
      ]);
    };
    // Every release is one round trip, and after a flood each waits behind the backlog the
    // connection still has to read. The releases go out together and the stop waits for them
    // a bounded time: a lease not released in time is freed by the bucket's TTL, as a killed
    // replica's are.
    if (!(await settledWithin(releases(), RELEASE_DEADLINE_MS))) {
      this.opts.log.warn({ ms: RELEASE_DEADLINE_MS }, "partitions not released in time; the bucket's TTL frees them");
      for (const p of [...this.leases.keys()]) this.lose(p);
    }
  }

  /**
   * Starts a renewal and a rebalance unless one is still running. They run apart so that
   * a slow rebalance (listing replicas, trying partitions) never delays a renewal.
   */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.renewing ??= this.renew()
      .then(() => void (this.lastRenewed = this.now()))
      .catch(async (err: unknown) => {
        this.opts.log.warn({ err: (err as Error).message }, "lease renewal failed");
        // The bucket may be gone (a NATS restart loses memory storage): open it again.
        this.kv = await this.openBucket().catch(() => this.kv);
      })
      .finally(() => (this.renewing = undefined));
    this.rebalancing ??= this.rebalance()
      .catch((err: unknown) => this.opts.log.warn({ err: (err as Error).message }, "partition rebalance failed"))
      .finally(() => (this.rebalancing = undefined));
    return Promise.all([this.renewing, this.rebalancing]).then(() => undefined);
  }

  private value(): string {
    return JSON.stringify({ replica: this.opts.replicaId });
  }

  /**
   * Renews presence and every lease. A lease past its local validity stays on the list
   * (inactive) until a renewal says whether it is still ours: if nobody wrote the key
   * since, the update succeeds and the replica carries on where it stopped.
   */
  private async renew(): Promise<void> {
    const kv = this.kv!;
    const sent = this.now();
    const value = this.value();
    await Promise.all([
      kv.put(REPLICA_PREFIX + this.opts.replicaId, value),
      kv.put(CONFIG_KEY, JSON.stringify({ partitions: this.opts.partitions })),
      ...[...this.leases].map(async ([p, lease]) => {
        try {
          const revision = await kv.update(partitionKey(p), value, lease.revision);
          if (this.leases.get(p) === lease) {
            lease.revision = revision;
            lease.validUntil = this.validUntil(sent);
          }
        } catch {
          if (this.leases.get(p) === lease) this.lose(p, "renewal refused");
        }
      }),
    ]);
  }

  /** Aims for ceil(P / live replicas) partitions: releases extras, takes free ones. */
  private async rebalance(): Promise<void> {
    const kv = this.kv!;
    const { partitions, replicaId } = this.opts;
    const live = new Set<string>();
    for await (const key of await kv.keys(REPLICA_PREFIX + ">")) live.add(key);
    if (this.stopped) return;
    this.liveReplicas = Math.max(1, live.size);
    const target = Math.ceil(partitions / this.liveReplicas);

    // Release extras (highest partitions first), only when two rounds in a row ask for it,
    // so that a replica list read mid-change does not move partitions back and forth.
    const mine = this.owned();
    const release = mine.length > target && this.lastTarget !== undefined && mine.length > this.lastTarget;
    this.lastTarget = target;
    if (release) {
      while (mine.length > target) {
        const p = mine.pop()!;
        const lease = this.leases.get(p)!;
        this.lose(p, "rebalance");
        await kv.delete(partitionKey(p), { previousSeq: lease.revision }).catch(() => undefined);
      }
    }

    // Take free partitions, starting at a replica-specific offset to spread contention.
    if (this.leases.size < target) {
      const value = this.value();
      const offset = hash(replicaId) % partitions;
      for (let i = 0; i < partitions && this.leases.size < target && !this.stopped; i++) {
        const p = (offset + i) % partitions;
        if (this.leases.has(p)) continue;
        const at = this.now();
        try {
          const revision = await kv.create(partitionKey(p), value);
          if (this.stopped) {
            await kv.delete(partitionKey(p), { previousSeq: revision }).catch(() => undefined);
            return;
          }
          this.leases.set(p, { revision, activeFrom: at + this.opts.quietMs, validUntil: this.validUntil(at) });
          this.opts.log.info({ partition: p }, "partition taken");
        } catch {
          // held by another replica
        }
      }
    }
  }

  private validUntil(sent: number): number {
    const margin = Math.min(this.opts.renewMs, this.ttlMs / 4);
    return sent + this.ttlMs - margin;
  }

  private lose(partition: number, reason?: string): void {
    if (!this.leases.delete(partition)) return;
    if (reason) this.opts.log.info({ partition, reason }, "partition released");
    this.opts.onLost?.(partition);
  }

  private async checkPartitionCount(): Promise<void> {
    const kv = this.kv!;
    const mine = JSON.stringify({ partitions: this.opts.partitions });
    try {
      await kv.create(CONFIG_KEY, mine);
      return;
    } catch {
      // exists: compare below
    }
    const entry = await kv.get(CONFIG_KEY);
    if (!entry || entry.operation !== "PUT") return;
    let stored: unknown;
    try {
      stored = entry.json();
    } catch {
      stored = undefined;
    }
    const parsed = LeaseConfigRecord.safeParse(stored);
    if (parsed.success && parsed.data.partitions !== this.opts.partitions) {
      throw new LeaseConfigMismatch(
        `BETS_PARTITIONS=${this.opts.partitions} but the running replicas use ${parsed.data.partitions}: every replica must use the same value`,
      );
    }
    // Every round rewrites the record, so it lives as long as any replica does.
  }
}

function partitionKey(p: number): string {
  return PARTITION_PREFIX + String(p);
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
