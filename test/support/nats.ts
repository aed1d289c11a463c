import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createNames, type Names } from "@socketpot/contracts";

export function natsUrl(): string {
  return inject("natsUrl");
}

/** A namespace of its own for one test (file), so runs never collide on a shared server. */
export function uniqueNamespace(prefix = "t"): string {
  return `${prefix}_${randomBytes(5).toString("hex")}`;
}

export async function connectTestNats(name = "socketpot-test"): Promise<NatsConnection> {
  return connect({ servers: natsUrl(), name });
}

/** Deletes every stream (and so every KV bucket) of the namespace. */
export async function deleteNamespaceStreams(nc: NatsConnection, namespace: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for await (const stream of jsm.streams.list()) {
    const name = stream.config.name;
    if (name.startsWith(`${namespace}_`) || name.startsWith(`KV_${namespace}_`)) {
      await jsm.streams.delete(name).catch(() => undefined);
    }
  }
}

export interface TestNamespace {
  namespace: string;
  names: Names;
  nc: NatsConnection;
  cleanup(): Promise<void>;
}

export async function createTestNamespace(): Promise<TestNamespace> {
  const namespace = uniqueNamespace();
  const nc = await connectTestNats();
  return {
    namespace,
    names: createNames(namespace),
    nc,
    async cleanup() {
      await deleteNamespaceStreams(nc, namespace).catch(() => undefined);
      await nc.close();
    },
  };
}
