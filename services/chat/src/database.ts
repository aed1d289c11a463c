/**
 * PostgreSQL plumbing for the chat service: create the database if missing, apply the
 * Prisma migrations (`prisma migrate deploy` through the Wasm engine, no downloads), and
 * build a Prisma client on a pg pool that survives terminated connections.
 */
import { execFile } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type ChatPrisma = PrismaClient;

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Create the database named in `url` when it does not exist yet (connects to `postgres`). */
export async function ensureDatabase(url: string): Promise<{ created: boolean }> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ""));
  if (database === "") throw new Error("the database URL names no database");
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`);
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code === "42P04") return { created: false };
      throw error;
    }
    return { created: true };
  } finally {
    await client.end();
  }
}

/** Drop a database (tests); terminates its remaining connections first. */
export async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ""));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [
      database,
    ]);
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`);
  } finally {
    await client.end();
  }
}

/** Run `prisma migrate deploy` against `url`. Resolves with the CLI's output. */
export async function applyMigrations(url: string, options: { timeoutMs?: number } = {}): Promise<string> {
  const require = createRequire(import.meta.url);
  const cli = require.resolve("prisma/build/index.js");
  return await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, "migrate", "deploy"],
      {
        cwd: packageRoot,
        timeout: options.timeoutMs ?? 120_000,
        env: {
          ...process.env,
          DATABASE_URL: url,
          CHECKPOINT_DISABLE: "1",
          PRISMA_HIDE_UPDATE_MESSAGE: "1",
          NO_COLOR: "1",
        },
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`prisma migrate deploy failed: ${stderr || stdout || error.message}`, { cause: error }));
          return;
        }
        resolve(stdout);
      },
    );
  });
}

export interface PrismaOptions {
  url: string;
  /** Pool size per chat process. */
  poolMax?: number;
  onPoolError?: (error: Error) => void;
}

/**
 * A Prisma client over a pg pool. Connections killed by the server (restart,
 * pg_terminate_backend) are dropped from the pool and replaced on the next query.
 */
export function createPrisma(options: PrismaOptions): ChatPrisma {
  const adapter = new PrismaPg(
    {
      connectionString: options.url,
      max: options.poolMax ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    },
    {
      onPoolError: (error) => options.onPoolError?.(error),
      onConnectionError: (error) => options.onPoolError?.(error),
    },
  );
  return new PrismaClient({ adapter });
}
