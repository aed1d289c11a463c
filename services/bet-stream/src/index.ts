export { createBetStreamService, type BetStreamDeps } from "./service";
export { BetStreamEnv, loadBetStreamConfig, type BetStreamConfig } from "./config";
