import { z } from "zod";
import { GatewayId } from "./rpc";

/** Published by every gateway every `interval_ms`; a gateway not heard from is gone. */
export const GatewayHeartbeat = z.object({
  gateway_id: GatewayId,
  interval_ms: z.number().int().positive(),
  sockets: z.number().int().nonnegative(),
});
export type GatewayHeartbeat = z.infer<typeof GatewayHeartbeat>;

/** Published by a gateway that stops gracefully. */
export const GatewayGoodbye = z.object({ gateway_id: GatewayId });
export type GatewayGoodbye = z.infer<typeof GatewayGoodbye>;
