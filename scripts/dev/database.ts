/**
 * Prepares the chat service's PostgreSQL database (create if missing, apply migrations)
 * before the services start.
 */
export async function prepareChatDatabase(_databaseUrl: string): Promise<void> {
  // The chat service owns the schema; its migrations are applied here once it ships them.
}
