import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export type { NatsConnection };

export class NatsUnavailableError extends Error {
  override name = "NatsUnavailableError";
}

/**
 * How often the client pings its server, and how many pings may go unanswered: a server
 * that went silent without closing the connection (its host died, a network partition) is
 * left for another of the list once more than NATS_MAX_PINGS_OUT pings are unanswered at the
 * client's check, every interval: within (NATS_MAX_PINGS_OUT + 2) intervals (30-40 s),
 * rather than the client default of 2 minutes per ping.
 */
export const NATS_PING_INTERVAL_MS = 10_000;
export const NATS_MAX_PINGS_OUT = 2;
/** The longest a connection to a silent server goes unnoticed. */
export const NATS_SILENCE_DETECTION_MS = NATS_PING_INTERVAL_MS * (NATS_MAX_PINGS_OUT + 2);

/**
 * Connect to NATS, reconnecting forever once connected (the servers of the list in random
 * order, waiting 500 ms plus up to 100 ms of jitter between rounds). The first connection fails fast
 * with a message that says what to start.
 */
export async function connectNats(url: string, name: string, log: Logger): Promise<NatsConnection> {
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: url.split(","),
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      reconnectJitter: 100,
      pingInterval: NATS_PING_INTERVAL_MS,
      maxPingOut: NATS_MAX_PINGS_OUT,
      timeout: 5_000,
      // Async traces build two Error objects with stack traces per request: measurable on
      // the gateway's auth path (directory reads). Errors keep their messages.
      noAsyncTraces: true,
    });
  } catch (err) {
    throw new NatsUnavailableError(
      `cannot reach NATS at ${url} (${(err as Error).message}). Start a NATS server with JetStream, e.g. ` +
        "`nats-server -js` (or set NATS_URL).",
      { cause: err },
    );
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") {
        log.warn({ nats: s.type, server: "server" in s ? s.server : undefined }, "nats connection status");
      }
    }
  })().catch(() => undefined);
  return nc;
}
