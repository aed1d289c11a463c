import type { Logger } from "pino";

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Wrap a stop function so that it runs once; every later call returns the same promise.
 */
export function onceStop(fn: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= fn());
}

/**
 * The body of every `main.ts`: start the service, stop it gracefully on SIGTERM/SIGINT
 * (a second signal forces exit), log fatal errors and exit non-zero.
 */
export function runMain(log: Logger, start: () => Promise<Stoppable>, stopDeadlineMs = 10_000): void {
  let service: Stoppable | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, "second signal, exiting now");
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, "stopping");
    const deadline = setTimeout(() => {
      log.error("graceful stop took too long, exiting");
      process.exit(1);
    }, stopDeadlineMs);
    deadline.unref();
    void (service?.stop() ?? Promise.resolve()).then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "error while stopping");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("unhandledRejection", (err) => log.error({ err }, "unhandled rejection"));
  start().then(
    (s) => {
      service = s;
      if (stopping) void s.stop();
    },
    (err: unknown) => {
      log.fatal(err instanceof Error && err.name !== "Error" ? err.message : { err }, "failed to start");
      process.exit(1);
    },
  );
}

/** What a service's composition root returns. */
export interface StartableService {
  start(): Promise<unknown>;
  stop(): Promise<void>;
  /** True while the service can do its job (served as /readyz). */
  ready(): Promise<boolean>;
}
