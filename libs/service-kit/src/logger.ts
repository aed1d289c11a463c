import { pino, type Logger } from "pino";

export type { Logger };

/** Paths whose values never reach a log line. */
export const REDACTED_PATHS = [
  "access_token",
  "token",
  "*.access_token",
  "*.token",
  "req.access_token",
  "request.access_token",
];

export function createLogger(service: string, level: string = "info"): Logger {
  return pino({
    name: service,
    level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service, pid: process.pid },
  });
}
