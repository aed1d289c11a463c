/**
 * The whole product for one test file, in its own namespace and database: chat,
 * wallet-watcher and bet-stream in this process, a gateway on a random port, and a seeded
 * app (owner, mod, members).
 */
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { startChat, type RunningChat } from "./chat";
import { createTestDatabase, type TestDatabase } from "./database";
import { openDirectoryWriter, seedApp, type SeededApp } from "./directory";
import { startGateway, type RunningGateway } from "./gateway";
import { startBetStream, type RunningBetStream } from "./bet-stream";
import { createTestNamespace, natsUrl, type TestNamespace } from "./nats";
import { startWalletWatcher, type RunningWatcher } from "./wallet";

export interface Stack {
  ns: TestNamespace;
  js: JetStreamClient;
  gateway: RunningGateway;
  app: SeededApp;
  stop(): Promise<void>;
}

export interface StackOptions {
  members?: number;
  gatewayEnv?: Record<string, string>;
  /** Chat settings; flood control is relaxed by default (tests post in quick succession). */
  chatEnv?: Record<string, string>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stoppers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const ns = await createTestNamespace();
    stoppers.push(() => ns.cleanup());
    const db: TestDatabase = await createTestDatabase();
    stoppers.push(() => db.drop());
    const app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), opts.members ?? 2);
    const chat: RunningChat = await startChat(ns.nc, ns.namespace, db.url, { CHAT_RATE_LIMIT_COUNT: "1000", ...opts.chatEnv });
    stoppers.push(() => chat.stop());
    const watcher: RunningWatcher = await startWalletWatcher(ns.nc, natsUrl(), ns.namespace);
    stoppers.push(() => watcher.stop());
    const bets: RunningBetStream = await startBetStream(ns.namespace);
    stoppers.push(() => bets.stop());
    const gateway = await startGateway(ns.nc, ns.namespace, opts.gatewayEnv);
    stoppers.push(() => gateway.stop());
    return { ns, js: jetstream(ns.nc), gateway, app, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
