import { counterFrom, gaugeFrom, type Registry } from "@socketpot/service-kit";
import type { EdgeLimits } from "./edge-limits";

/** Refusals by scope and limit, sockets disconnected for flooding, and how many sockets and users hold budgets. */
export function registerEdgeLimitMetrics(registry: Registry, limits: EdgeLimits): void {
  counterFrom(registry, "socketpot_gateway_edge_refusals_total", "Client events refused with RATE_LIMITED by the edge limits, by scope (socket, user) and limit (events, bytes, pending)", ["scope", "limit"], () =>
    limits.refused().map(([r, n]) => [{ scope: r.scope, limit: r.limit }, n]),
  );
  counterFrom(registry, "socketpot_gateway_edge_disconnects_total", "Sockets disconnected for sending far over the edge limits", [], () => [[{}, limits.disconnects]]);
  gaugeFrom(registry, "socketpot_gateway_edge_budgets", "Sockets and users the edge limits hold budgets for", ["kind"], () => [
    [{ kind: "sockets" }, limits.tracked.sockets],
    [{ kind: "users" }, limits.tracked.users],
  ]);
}
