/**
 * A NATS server or a three-node cluster of our own for a test: `nats-server` processes on free loopback
 * ports, routes between them, JetStream on each with its own store directory. Nodes can be
 * killed (SIGKILL) and started again with the same store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { freePort } from "./ports";
import { tmpdir } from "node:os";
import path from "node:path";
import { connect, type ConnectionOptions, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";

export const NATS_SERVER = process.env.SOCKETPOT_NATS_SERVER ?? "/usr/sbin/nats-server";


export interface ClusterNode {
  name: string;
  port: number;
  url: string;
  running: boolean;
}

export interface NatsCluster {
  nodes: ClusterNode[];
  /** Every node's client URL, comma-separated (a service's NATS_URL). */
  urls: string;
  kill(name: string): Promise<void>;
  start(name: string): Promise<void>;
  /** SIGSTOP / SIGCONT: the node goes silent (connections stay open, nothing is answered), as a host that hangs. */
  pause(name: string): void;
  resume(name: string): void;
  /** A connection to the given nodes (default all), with `options` on top of the defaults. */
  connect(nodes?: ClusterNode[], name?: string, options?: ConnectionOptions): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "socketpot-cluster-"));
  const ports = await Promise.all(Array.from({ length: size * 2 }, () => freePort()));
  const nodes = Array.from({ length: size }, (_, i) => ({ name: `n${i + 1}`, port: ports[i]!, routePort: ports[size + i]! }));
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.routePort}`).join(",");
  const procs = new Map<string, { child: ChildProcess; exited: Promise<void> }>();
  const state: ClusterNode[] = nodes.map((n) => ({ name: n.name, port: n.port, url: `nats://127.0.0.1:${n.port}`, running: false }));

  const startNode = async (name: string) => {
    const n = nodes.find((x) => x.name === name)!;
    const child = spawn(
      NATS_SERVER,
      [
        ...["-a", "127.0.0.1", "-p", String(n.port), "-n", n.name, "-js", "-sd", path.join(dir, n.name)],
        // One node is a plain server (no routes); more are a cluster.
        ...(size > 1 ? ["--cluster_name", "socketpot-test", "--cluster", `nats://127.0.0.1:${n.routePort}`, "--routes", routes] : []),
      ],
      { stdio: "ignore" },
    );
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    procs.set(name, { child, exited });
    state.find((s) => s.name === name)!.running = true;
  };

  const cluster: NatsCluster = {
    nodes: state,
    urls: state.map((n) => n.url).join(","),
    async kill(name) {
      const p = procs.get(name);
      state.find((s) => s.name === name)!.running = false;
      if (!p) return;
      p.child.kill("SIGCONT");
      p.child.kill("SIGKILL");
      await p.exited;
      procs.delete(name);
    },
    pause(name) {
      procs.get(name)?.child.kill("SIGSTOP");
    },
    resume(name) {
      procs.get(name)?.child.kill("SIGCONT");
    },
    async start(name) {
      await startNode(name);
      await jetStreamReady([state.find((s) => s.name === name)!]);
    },
    connect(only = state.filter((n) => n.running), name = "socketpot-cluster-test", options = {}) {
      // In the order given: the first node is the one the connection uses while it runs.
      return connect({ servers: only.map((n) => n.url), name, noRandomize: true, reconnectTimeWait: 250, maxReconnectAttempts: -1, ...options });
    },
    async stop() {
      for (const n of state) await cluster.kill(n.name);
      await rm(dir, { recursive: true, force: true });
    },
  };

  /** Until JetStream answers (a meta leader is elected) through each of `which`. */
  const jetStreamReady = async (which: ClusterNode[], timeoutMs = 30_000) => {
    const until = Date.now() + timeoutMs;
    for (const node of which) {
      for (;;) {
        try {
          const nc = await connect({ servers: node.url, timeout: 1_000 });
          try {
            await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
            break;
          } finally {
            await nc.close();
          }
        } catch (err) {
          if (Date.now() > until) throw new Error(`JetStream not ready on ${node.name}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
  };

  try {
    for (const n of nodes) await startNode(n.name);
    await jetStreamReady(state);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** The server that leads a stream's (or KV bucket's stream's) replicas. */
export async function streamLeader(nc: NatsConnection, stream: string): Promise<string | undefined> {
  const info = await (await jetstreamManager(nc)).streams.info(stream);
  return info.cluster?.leader;
}

/** Moves a stream's leadership to `server` (asking the leader to step down until it lands there). */
export async function moveStreamLeader(nc: NatsConnection, stream: string, server: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while ((await streamLeader(nc, stream).catch(() => undefined)) !== server) {
    if (Date.now() > until) throw new Error(`could not move the leader of ${stream} to ${server}`);
    await nc.request(`$JS.API.STREAM.LEADER.STEPDOWN.${stream}`, undefined, { timeout: 5_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The server that leads a consumer's replicas. */
export async function consumerLeader(nc: NatsConnection, stream: string, consumer: string): Promise<string | undefined> {
  const info = await (await jetstreamManager(nc)).consumers.info(stream, consumer);
  return info.cluster?.leader;
}

/** Moves a consumer's leadership off `server` (asking its leader to step down until it is elsewhere). */
export async function moveConsumerLeaderOff(nc: NatsConnection, stream: string, consumer: string, server: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const leader = await consumerLeader(nc, stream, consumer).catch(() => undefined);
    if (leader !== undefined && leader !== server) return;
    if (Date.now() > until) throw new Error(`could not move the leader of ${stream}/${consumer} off ${server}`);
    await nc.request(`$JS.API.CONSUMER.LEADER.STEPDOWN.${stream}.${consumer}`, undefined, { timeout: 5_000 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 500));
  }
}
