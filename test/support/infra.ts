/**
 * The one place that decides where tests find NATS and PostgreSQL:
 *   1. testcontainers, when a Docker engine answers (unless SOCKETPOT_TEST_CONTAINERS=off);
 *   2. else NATS_URL / DATABASE_URL from the environment;
 *   3. else the localhost defaults (nats://127.0.0.1:4222, postgresql://postgres@127.0.0.1:5432/postgres).
 * Each test run then isolates itself with its own namespace and database.
 */
import { checkDependencies } from "@socketpot/service-kit";

export interface Infra {
  natsUrl: string;
  /** A server-level URL (its database is only used to create per-run databases). */
  databaseUrl: string;
  source: "testcontainers" | "environment" | "localhost";
  stop(): Promise<void>;
}

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

export async function resolveInfra(): Promise<Infra> {
  if (await dockerAvailable()) return fromContainers();
  const fromEnv = Boolean(process.env.NATS_URL || process.env.DATABASE_URL);
  const infra: Infra = {
    natsUrl: process.env.NATS_URL ?? "nats://127.0.0.1:4222",
    databaseUrl: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres",
    source: fromEnv ? "environment" : "localhost",
    stop: async () => undefined,
  };
  const problems = await checkDependencies({ natsUrl: infra.natsUrl, databaseUrl: infra.databaseUrl });
  if (problems.length) throw new Error(problems.join("\n"));
  return infra;
}
