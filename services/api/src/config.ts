import { z } from "zod";
import { CommonEnv, envInt, loadConfig } from "@socketpot/service-kit";

/** API service settings; each is explained in docs/API.md. */
export const ApiEnv = z.object({
  ...CommonEnv,
  API_PORT: envInt(0, 65535).default(3100),
  API_HOST: z.string().default("0.0.0.0"),
  /** How long a call waits for chat; past it the caller gets 503. */
  RPC_TIMEOUT_MS: envInt(50, 60_000).default(5_000),
  /** Per key and replica: at most this many requests per window (0 disables). */
  API_RATE_LIMIT: envInt(0, 1_000_000).default(100),
  API_RATE_WINDOW_MS: envInt(100, 3_600_000).default(1_000),
  /** Largest request body; larger ones get 413. */
  API_BODY_LIMIT_BYTES: envInt(1_024, 10_000_000).default(32_768),
});
export type ApiConfig = z.output<typeof ApiEnv>;

export const loadApiConfig = (env: Record<string, string | undefined> = process.env) => loadConfig("api", ApiEnv, env);
