import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";

/** How long readiness waits for a NATS round trip before it calls the connection deaf. */
export const NATS_PROBE_MS = 2_000;

/**
 * Whether the gateway's long-running loops still run: every NATS subscription it keeps and
 * the directory's revocation watch. A loop that ends without being told to (the server closed
 * the subscription, the watch's iterator failed) is logged once and makes the gateway not
 * ready, since its sockets would silently stop receiving. `probe` also checks that the NATS
 * connection still reads: a callback that throws anywhere in the process ends the client's
 * reading loop while the socket stays open.
 */
export class LoopHealth {
  private readonly dead = new Set<string>();

  constructor(private readonly log: Logger) {}

  /** A loop ended on its own. */
  died(loop: string, err?: unknown): void {
    if (this.dead.has(loop)) return;
    this.dead.add(loop);
    this.log.error({ loop, err }, "a gateway loop stopped; the gateway is not ready");
  }

  /** Watches a subscription: ending while `expected()` is false counts as dying. */
  watch(loop: string, sub: Subscription, expected: () => boolean): void {
    void sub.closed.then(
      (err) => {
        if (!expected()) this.died(loop, err);
      },
      (err: unknown) => this.died(loop, err),
    );
  }

  get alive(): boolean {
    return this.dead.size === 0;
  }

  /** True when every loop runs and the connection answers a round trip within NATS_PROBE_MS. */
  async probe(nc: NatsConnection): Promise<boolean> {
    if (!this.alive || nc.isClosed()) return false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), NATS_PROBE_MS);
    });
    try {
      return await Promise.race([nc.flush().then(() => true), deadline]);
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
