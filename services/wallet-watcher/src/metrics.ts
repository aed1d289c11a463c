/** The wallet-watcher's Prometheus metrics, read from its counters at scrape time. */
import { Histogram, counterFrom, gaugeFrom, type Registry } from "@socketpot/service-kit";
import type { Counters } from "./processor";

export interface WalletWatcherMetricsSource {
  counters(): Counters;
  /** The shared consumer's backlog: not yet delivered, and delivered but not acknowledged. */
  consumer(): Promise<{ pending: number; ackPending: number } | undefined>;
}

export function createWalletWatcherMetrics(registry: Registry, source: WalletWatcherMetricsSource): { notificationLatency: Histogram } {
  counterFrom(registry, "socketpot_wallet_events_total", "Wallet events handled, by outcome", ["outcome"], () => {
    const c = source.counters();
    return [
      [{ outcome: "applied" }, c.applied],
      [{ outcome: "duplicate" }, c.duplicates],
      [{ outcome: "ignored" }, c.ignored],
      [{ outcome: "dead_lettered" }, c.deadLettered],
      [{ outcome: "failed" }, c.failures],
    ];
  });
  counterFrom(registry, "socketpot_wallet_dead_letters_total", "Wallet events moved to the dead-letter stream", [], () => [[{}, source.counters().deadLettered]]);
  counterFrom(registry, "socketpot_wallet_notifications_total", "Balance notifications published to the gateways", [], () => [
    [{}, source.counters().notificationsPublished],
  ]);
  gaugeFrom(registry, "socketpot_wallet_consumer_pending", "The shared durable consumer's backlog", ["state"], async () => {
    const info = await source.consumer().catch(() => undefined);
    return info ? [[{ state: "pending" }, info.pending], [{ state: "ack_pending" }, info.ackPending]] : [];
  });
  const notificationLatency = new Histogram({
    name: "socketpot_wallet_notification_latency_seconds",
    help: "From a wallet event stored in JetStream to its balance notification published",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return { notificationLatency };
}
