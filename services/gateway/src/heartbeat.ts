import type { NatsConnection } from "@nats-io/transport-node";
import { encode, type GatewayGoodbye, type GatewayHeartbeat, type Names } from "@socketpot/contracts";

/** Tells services this gateway is alive, so they can expire the presence of a dead one. */
export function startHeartbeat(
  nc: NatsConnection,
  names: Names,
  gatewayId: string,
  intervalMs: number,
  socketCount: () => number,
): { stop(goodbye: boolean): void } {
  const beat = () => {
    const hb: GatewayHeartbeat = { gateway_id: gatewayId, interval_ms: intervalMs, sockets: socketCount() };
    if (!nc.isClosed()) nc.publish(names.gateway.heartbeat, encode(hb));
  };
  beat();
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    stop(goodbye) {
      clearInterval(timer);
      if (goodbye && !nc.isClosed()) {
        const bye: GatewayGoodbye = { gateway_id: gatewayId };
        nc.publish(names.gateway.goodbye, encode(bye));
      }
    },
  };
}
