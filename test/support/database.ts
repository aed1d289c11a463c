/**
 * A PostgreSQL database of its own for one test file: `socketpot_test_<random>`, created
 * and migrated with the chat service's own `ensureDatabase` / `applyMigrations`, dropped
 * after.
 */
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { applyMigrations, dropDatabase, ensureDatabase } from "@socketpot/chat";

export function serverDatabaseUrl(): string {
  return inject("databaseUrl");
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export function databaseUrlFor(name: string): string {
  const url = new URL(serverDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `socketpot_test_${randomBytes(5).toString("hex")}`;
  const url = databaseUrlFor(name);
  await ensureDatabase(url);
  try {
    await applyMigrations(url);
  } catch (err) {
    await dropDatabase(url).catch(() => undefined);
    throw err;
  }
  return { url, name, drop: () => dropDatabase(url) };
}
