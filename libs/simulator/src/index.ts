/**
 * Simulated Moneypot: what Moneypot's own services would publish (bets, wallet events) and
 * the development demo's seeding. Used by the CLI, `npm start`, tests and benchmarks;
 * production services never import it (libs/simulator/test/isolation.test.ts checks).
 */
export { createBetGenerator, publishBets, type BetGenerator, type BetGeneratorOptions, type PublishBetsOptions, type PublishBetsResult } from "./bets";
export { publishWalletEvent, depositEvents, randomTxid } from "./wallet";
export {
  betIdBase,
  makeBet,
  publishBet,
  createTrafficSimulator,
  createDemoTraffic,
  DEMO_BOTS,
  type BetOptions,
  type SimUser,
  type TrafficLog,
  type TrafficOptions,
  type TrafficSimulator,
} from "./traffic";
export { DEMO_API_KEY, DEMO_APP_ID, DEMO_APP_NAME, DEMO_USERS, DemoInfo, demoEnabled, demoInfo, demoUrl, seedDemo, type DemoUser } from "./demo";
