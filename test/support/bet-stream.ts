/**
 * bet-stream for integration tests: in this process (own NATS connection) or as a child
 * process, and the stats every replica reports over the NATS micro service protocol.
 */
import { Svcm } from "@nats-io/services";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { BetStreamEnv, createBetStreamService, type BetStreamService, type BetStreamStats } from "@socketpot/bet-stream";
import { quietLogger, servicePath, spawnService } from "./gateway";
import { natsUrl } from "./nats";

export interface RunningBetStream {
  service: BetStreamService;
  nc: NatsConnection;
  stop(): Promise<void>;
}

export async function startBetStream(namespace: string, env: Record<string, string> = {}): Promise<RunningBetStream> {
  const config = BetStreamEnv.parse({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: namespace, ...env });
  const nc = await connect({ servers: config.NATS_URL.split(","), name: "socketpot-bet-stream-test" });
  const service = createBetStreamService({ config, nc, log: quietLogger() });
  await service.start();
  return {
    service,
    nc,
    async stop() {
      await service.stop();
      await nc.close();
    },
  };
}

export function spawnBetStream(namespace: string, env: Record<string, string> = {}) {
  return spawnService(servicePath("bet-stream"), { SOCKETPOT_NAMESPACE: namespace, ...env }, /bet-stream ready/);
}

/** Stats of every bet-stream replica of the namespace that answers within the timeout. */
export async function replicaStats(nc: NatsConnection, namespace: string): Promise<BetStreamStats[]> {
  const out: BetStreamStats[] = [];
  const it = await new Svcm(nc).client({ strategy: "timer", maxWait: 500 }).stats("socketpot-bet-stream");
  for await (const s of it) {
    if ((s.metadata as Record<string, string> | undefined)?.namespace !== namespace) continue;
    const data = s.endpoints?.[0]?.data as BetStreamStats | undefined;
    if (data) out.push(data);
  }
  return out;
}
