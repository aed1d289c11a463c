import type { GatewayConfig } from "../config";
import type { EdgeLimitSettings } from "./edge-limits";

/** The edge limits a gateway's config asks for. */
export function edgeLimitSettings(c: GatewayConfig): EdgeLimitSettings {
  return {
    socket: {
      events: { perSecond: c.EDGE_SOCKET_EVENTS_PER_S, burst: c.EDGE_SOCKET_EVENTS_BURST },
      bytes: { perSecond: c.EDGE_SOCKET_BYTES_PER_S, burst: c.EDGE_SOCKET_BYTES_BURST },
      pending: c.EDGE_SOCKET_PENDING,
    },
    user: {
      events: { perSecond: c.EDGE_USER_EVENTS_PER_S, burst: c.EDGE_USER_EVENTS_BURST },
      bytes: { perSecond: c.EDGE_USER_BYTES_PER_S, burst: c.EDGE_USER_BYTES_BURST },
      pending: c.EDGE_USER_PENDING,
    },
    disconnectAfter: { perSecond: c.EDGE_DISCONNECT_REFUSALS_PER_S, burst: c.EDGE_DISCONNECT_REFUSALS_BURST },
  };
}

/** The config that turns every edge limit off (for tests and benchmarks that post faster than a user may). */
export const EDGE_LIMITS_OFF: Readonly<Record<string, string>> = {
  EDGE_SOCKET_EVENTS_PER_S: "0",
  EDGE_SOCKET_BYTES_PER_S: "0",
  EDGE_SOCKET_PENDING: "0",
  EDGE_USER_EVENTS_PER_S: "0",
  EDGE_USER_BYTES_PER_S: "0",
  EDGE_USER_PENDING: "0",
  EDGE_DISCONNECT_REFUSALS_PER_S: "0",
};
