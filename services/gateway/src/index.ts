export { createGatewayService, newGatewayId, type GatewayService, type GatewayDeps } from "./gateway";
export { GatewayEnv, loadGatewayConfig, type GatewayConfig } from "./config";
export type { Feature, FeatureDeps, SessionInfo } from "./features";
export type { FanoutRoom } from "./relay/fanout-relay";
export { admitEveryEvent, type EventAdmission, type AdmissionRequest, type Admission } from "./event-admission";
