/** A fresh PostgreSQL database with chat's schema for one benchmark run, dropped after it. */
import { randomBytes } from "node:crypto";
import { applyMigrations, dropDatabase, ensureDatabase } from "@socketpot/chat";

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const server = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  server.pathname = `/socketpot_bench_${randomBytes(4).toString("hex")}`;
  const url = server.toString();
  await ensureDatabase(url);
  await applyMigrations(url);
  return { url, name: server.pathname.slice(1), drop: () => dropDatabase(url) };
}
