/**
 * The one place that decides where tests find NATS and PostgreSQL:
 *   1. testcontainers, when a Docker engine answers (unless SOCKETPOT_TEST_CONTAINERS=off);
 *   2. else NATS_URL / DATABASE_URL from the environment;
 *   3. else the localhost defaults (nats://127.0.0.1:4222, postgresql://postgres@127.0.0.1:5432/postgres).
 * Each test run then isolates itself with its own namespace and database.
 */
import { connect as tcpConnect } from "node:net";

export interface Infra {
  natsUrl: string;
  /** A server-level URL (its database is only used to create per-run databases). */
  databaseUrl: string;
  source: "testcontainers" | "environment" | "localhost";
  stop(): Promise<void>;
}

export const START_HINTS = {
  nats: "start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log  (or: nats-server -js)",
  postgres: "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
};

async function dockerAvailable(): Promise<boolean> {
  if (process.env.SOCKETPOT_TEST_CONTAINERS === "off") return false;
  try {
    const { getContainerRuntimeClient } = await import("testcontainers");
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function fromContainers(): Promise<Infra> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const { PostgreSqlContainer } = await import("@testcontainers/postgresql");
  const [nats, pg] = await Promise.all([
    new GenericContainer("nats:2.9")
      .withCommand(["-js"])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start(),
    new PostgreSqlContainer("postgres:15").start(),
  ]);
  return {
    natsUrl: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
    databaseUrl: pg.getConnectionUri(),
    source: "testcontainers",
    async stop() {
      await Promise.all([nats.stop(), pg.stop()]);
    },
  };
}

export function reachable(url: string, defaultPort: number, timeoutMs = 2_000): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: parsed.hostname, port: Number(parsed.port || defaultPort) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

export async function resolveInfra(): Promise<Infra> {
  if (await dockerAvailable()) return fromContainers();
  const fromEnv = Boolean(process.env.NATS_URL || process.env.DATABASE_URL);
  const infra: Infra = {
    natsUrl: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
    databaseUrl: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    source: fromEnv ? "environment" : "localhost",
    stop: async () => undefined,
  };
  const problems: string[] = [];
  if (!(await reachable(infra.natsUrl, 4222))) problems.push(`NATS is not reachable at ${infra.natsUrl}; start it: ${START_HINTS.nats}`);
  if (!(await reachable(infra.databaseUrl, 5432)))
    problems.push(`PostgreSQL is not reachable at ${infra.databaseUrl}; start it: ${START_HINTS.postgres}`);
  if (problems.length) throw new Error(problems.join("\n"));
  return infra;
}
