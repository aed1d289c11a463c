export { createChatService, type ChatDeps } from "./service";
export { ChatEnv, loadChatConfig, type ChatConfig } from "./config";
