/**
 * Replicas of the JetStream assets Socketpot creates (streams, and KV buckets, whose stream
 * is `KV_<bucket>`): one setting, SOCKETPOT_JS_REPLICAS, for all of them. A service creates
 * a missing asset with that many replicas and raises an existing one that has fewer; it never
 * lowers one (an operator who wants fewer edits the asset). See docs/OPERATIONS.md.
 */
import type { JetStreamManager } from "@nats-io/jetstream";

export class ReplicasError extends Error {
  override name = "ReplicasError";
}

/** The stream behind a KV bucket. */
export const kvStream = (bucket: string) => `KV_${bucket}`;

export async function ensureReplicas(jsm: JetStreamManager, stream: string, replicas: number): Promise<void> {
  const info = await jsm.streams.info(stream);
  const current = info.config.num_replicas || 1;
  if (current >= replicas) return;
  try {
    await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
  } catch (err) {
    throw new ReplicasError(
      `stream ${stream} has ${current} replica(s) but SOCKETPOT_JS_REPLICAS=${replicas}, and NATS refused to raise it ` +
        `(${(err as Error).message}). Run \`nats stream edit ${stream} --replicas ${replicas}\` on a cluster of at least ` +
        `${replicas} JetStream servers, or set SOCKETPOT_JS_REPLICAS to what the cluster can hold.`,
    );
  }
}
