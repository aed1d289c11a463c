/**
 * Prometheus metrics (prom-client). Each process has one registry with the Node.js defaults
 * (event-loop lag, memory, CPU, GC) and `service` as a default label; services add their own
 * metrics to it. Counters whose value a service already keeps (stats objects) are read at
 * scrape time with `counterFrom`, so hot paths pay nothing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { NatsConnection } from "@nats-io/transport-node";

export { Counter, Gauge, Histogram, Registry };

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  return registry;
}

/** A counter whose values are read from `read()` at each scrape (label values -> total). */
export function counterFrom<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Array<[Partial<Record<L, string>>, number]>,
): Counter<L> {
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [labels, value] of read()) if (value > 0) this.inc(labels as Record<L, string>, value);
    },
  });
}

/** A gauge whose values are read from `read()` (may be async) at each scrape. */
export function gaugeFrom<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => Array<[Partial<Record<L, string>>, number]> | Promise<Array<[Partial<Record<L, string>>, number]>>,
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [labels, value] of await read()) this.set(labels as Record<L, string>, value);
    },
  });
}

/** Counts the connection's status events (disconnect, reconnect, error, ...) by type. */
export function instrumentNats(registry: Registry, nc: NatsConnection): void {
  const events = new Counter({
    name: "socketpot_nats_connection_events_total",
    help: "NATS connection status events by type (disconnect, reconnect, error, ...)",
    labelNames: ["type"],
    registers: [registry],
  });
  for (const type of ["disconnect", "reconnect"]) events.inc({ type }, 0);
  void (async () => {
    for await (const s of nc.status()) events.inc({ type: s.type });
  })().catch(() => undefined);
}
