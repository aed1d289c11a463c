import { z } from "zod";
import { DEFAULT_NAMESPACE, Namespace } from "@socketpot/contracts";

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Fields every service reads from the environment. */
export const CommonEnv = {
  NATS_URL: z.string().default("nats://127.0.0.1:4222"),
  SOCKETPOT_NAMESPACE: Namespace.default(DEFAULT_NAMESPACE),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Port of /healthz, /readyz and /metrics (services other than the gateway); unset: none. */
  OPS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  OPS_HOST: z.string().default("0.0.0.0"),
  /** Replicas of every JetStream stream and KV bucket Socketpot creates: 1, or 3 on a cluster. */
  SOCKETPOT_JS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
};

/** Integer from an env var (strings), with bounds. */
export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * Parse configuration once at start-up. Throws a ConfigError whose message names every bad
 * variable, so that `main()` can print it and exit non-zero.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration for ${service}:\n${z.prettifyError(parsed.error)}`);
  }
  return Object.freeze(parsed.data) as Readonly<z.output<S>>;
}
