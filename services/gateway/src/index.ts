export { createGatewayService, newGatewayId, type GatewayService, type GatewayDeps } from "./gateway";
export { GatewayEnv, loadGatewayConfig, type GatewayConfig } from "./config";
export type { Feature, FeatureDeps, SessionInfo } from "./features";
export type { FanoutRoom } from "./relay/fanout-relay";
export type { EventAdmission, AdmissionRequest, Admission } from "./event-admission";
export { EdgeLimits, type EdgeLimitSettings } from "./edge-limits/edge-limits";
export { EDGE_LIMITS_OFF } from "./edge-limits/settings";
