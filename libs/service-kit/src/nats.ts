import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";

export type { NatsConnection };

export class NatsUnavailableError extends Error {
  override name = "NatsUnavailableError";
}

/**
 * Connect to NATS, reconnecting forever once connected. The first connection fails fast
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
