export { createBetStreamService, type BetStreamService, type BetStreamDeps, type BetStreamStats } from "./service";
export { BetStreamEnv, loadBetStreamConfig, type BetStreamConfig } from "./config";
export { createBetValidator, type BetVerdict } from "./bet-validator";
export { FanoutPublisher, type FanoutPublisherOptions } from "./fanout-publisher";
export { WindowSampler, RATE_INTERVAL_MS, type SamplerConfig, type Emission } from "./sampler";
export { scoreBet, isJackpot, payoutMultiplier, DEFAULT_SCORE_CONFIG, type ScoreConfig } from "./score";
export { betFanoutMessages, MAX_BET_FANOUT_BYTES } from "./bet-fanout-encoder";
