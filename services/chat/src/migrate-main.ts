/**
 * `migrate` in the image (`docker compose` runs it before chat): waits until PostgreSQL
 * accepts TCP connections, creates the database if missing and applies the Prisma
 * migrations, retrying while the server is still starting. Exits 0 when the schema is current.
 */
import { createLogger, reachable } from "@socketpot/service-kit";
import { applyMigrations, ensureDatabase } from "./database";

const log = createLogger("migrate", process.env.LOG_LEVEL ?? "info");
const url = process.env.DATABASE_URL;
const deadline = Date.now() + Number(process.env.MIGRATE_TIMEOUT_MS ?? 120_000);

async function main(): Promise<number> {
  if (!url) {
    log.fatal("DATABASE_URL is not set");
    return 1;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      if (!(await reachable(url, 5432))) throw new Error("PostgreSQL does not accept TCP connections yet");
      await ensureDatabase(url);
      const out = await applyMigrations(url);
      log.info({ attempt, output: out.trim().split("\n").slice(-1)[0] }, "migrations applied");
      return 0;
    } catch (err) {
      if (Date.now() > deadline) {
        log.fatal({ err: (err as Error).message, attempt }, "migrations failed");
        return 1;
      }
      log.warn({ err: (err as Error).message, attempt }, "database not ready; retrying");
      await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** Math.min(attempt, 5))));
    }
  }
}

process.exitCode = await main();
