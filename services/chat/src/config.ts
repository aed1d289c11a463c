import { z } from "zod";
import { CommonEnv, loadConfig } from "@socketpot/service-kit";

export const ChatEnv = z.object({
  ...CommonEnv,
});
export type ChatConfig = z.output<typeof ChatEnv>;

export const loadChatConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig("chat", ChatEnv, env);
