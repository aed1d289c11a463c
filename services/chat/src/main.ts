import { runNatsService } from "@socketpot/service-kit";
import { loadChatConfig } from "./config";
import { createChatService } from "./service";

runNatsService("chat", () => loadChatConfig(), createChatService);
