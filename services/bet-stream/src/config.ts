import { z } from "zod";
import { CommonEnv, loadConfig } from "@socketpot/service-kit";

export const BetStreamEnv = z.object({
  ...CommonEnv,
});
export type BetStreamConfig = z.output<typeof BetStreamEnv>;

export const loadBetStreamConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("bet-stream", BetStreamEnv, env);
