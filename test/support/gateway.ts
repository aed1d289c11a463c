import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { EDGE_LIMITS_OFF, GatewayEnv, createGatewayService, type GatewayDeps, type GatewayService } from "@socketpot/gateway";
import { natsUrl } from "./nats";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export const quietLogger = () => pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

export interface RunningGateway {
  url: string;
  port: number;
  gateway: GatewayService;
  stop(): Promise<void>;
}

/** Edge limits off: tests post in quick succession; the tests of the limits set their own. */
export { EDGE_LIMITS_OFF };

/**
 * A gateway in this process on a random port, sharing the test's NATS connection; edge
 * limits off unless `env` sets them.
 */
export async function startGateway(
  nc: NatsConnection,
  namespace: string,
  env: Record<string, string> = {},
  deps: Pick<GatewayDeps, "admission"> = {},
): Promise<RunningGateway> {
  const config = GatewayEnv.parse({
    NATS_URL: natsUrl(),
    SOCKETPOT_NAMESPACE: namespace,
    PORT: "0",
    HOST: "127.0.0.1",
    HEARTBEAT_INTERVAL_MS: "500",
    ...EDGE_LIMITS_OFF,
    ...env,
  });
  const gateway = createGatewayService({ ...deps, config, nc, log: quietLogger() });
  const { port } = await gateway.start();
  return { url: `http://127.0.0.1:${port}`, port, gateway, stop: () => gateway.stop() };
}

export interface ChildService {
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a service's main.ts as a child process (for SIGKILL/SIGTERM tests), resolving once
 * its log shows `readyLine`.
 */
export async function spawnService(
  mainPath: string,
  env: Record<string, string>,
  ready: RegExp | (() => Promise<boolean>),
  timeoutMs = 30_000,
): Promise<ChildService> {
  const child = spawn(process.execPath, ["--import", "tsx", mainPath], {
    cwd: ROOT,
    env: { ...process.env, NATS_URL: natsUrl(), LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      child.kill("SIGKILL");
      reject(new Error(`${mainPath} not ready in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const finish = () => {
      done = true;
      clearTimeout(timer);
      resolve();
    };
    if (ready instanceof RegExp) {
      const check = () => {
        if (!done && ready.test(out)) finish();
      };
      child.stdout?.on("data", check);
      child.stderr?.on("data", check);
    } else {
      void (async () => {
        while (!done && child.exitCode === null) {
          if (await ready().catch(() => false)) return finish();
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
    }
    void exited.then((code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`${mainPath} exited with ${code} before ready:\n${out}`));
    });
  });
  return {
    child,
    exited,
    output: () => out,
    async kill(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export function servicePath(service: string): string {
  return `${ROOT}services/${service}/src/main.ts`;
}

/** The gateway as a child process; resolves with its URL. */
export async function spawnGateway(namespace: string, env: Record<string, string> = {}) {
  const svc = await spawnService(
    servicePath("gateway"),
    { SOCKETPOT_NAMESPACE: namespace, PORT: "0", HOST: "127.0.0.1", HEARTBEAT_INTERVAL_MS: "500", ...env },
    /gateway listening/,
  );
  const port = Number(/"port":(\d+)/.exec(svc.output())?.[1]);
  return { ...svc, url: `http://127.0.0.1:${port}`, port };
}
