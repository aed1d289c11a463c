export { createChatService, type ChatDeps, type ChatService } from "./service";
export { ChatEnv, loadChatConfig, type ChatConfig } from "./config";
export { applyMigrations, createPrisma, dropDatabase, ensureDatabase, type ChatPrisma } from "./database";
export { ChatRepository } from "./repository";
export * from "./commands";
