export { createGatewayService, newGatewayId, type GatewayService, type GatewayDeps } from "./gateway";
export { GatewayEnv, loadGatewayConfig, type GatewayConfig } from "./config";
export type { GatewayFeature, SessionContext, FanoutRoom } from "./features/feature";
