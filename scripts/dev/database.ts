/**
 * Prepares the chat service's PostgreSQL database (create if missing, apply migrations)
 * before the services start.
 */
import { applyMigrations, ensureDatabase } from "@socketpot/chat";

export async function prepareChatDatabase(databaseUrl: string): Promise<void> {
  const { created } = await ensureDatabase(databaseUrl);
  if (created) console.log("socketpot: created the chat database");
  await applyMigrations(databaseUrl);
}
