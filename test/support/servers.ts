/**
 * The servers one test file runs against, in its own namespace (and database): seeded apps,
 * optionally chat, wallet-watcher and bet-stream in this process, and gateways on random
 * ports. `useServers` starts them in `beforeAll` and stops them in `afterAll`: the clients
 * the file opened first, then the rest in reverse start order.
 */
import { afterAll, beforeAll } from "vitest";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import type { WalletEvent } from "@socketpot/contracts";
import { publishWalletEvent } from "@socketpot/simulator";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { startBetStream, type RunningBetStream } from "./bet-stream";
import { startChat, type RunningChat } from "./chat";
import { authenticate, type AnyClient, type AuthenticatedClient } from "./clients";
import { createTestDatabase, type TestDatabase } from "./database";
import { openDirectoryWriter, seedApp, type SeededApp } from "./directory";
import { startGateway, type RunningGateway } from "./gateway";
import { createTestNamespace, natsUrl, type TestNamespace } from "./nats";
import { startWalletWatcher, type RunningWatcher } from "./wallet";

type Env = Record<string, string>;

export interface ServersOptions<A extends string = never, G extends string = never> {
  /** Apps to seed, in this order, by name: how many members each gets (and their unames' prefix). */
  apps?: Record<A, number | { members: number; prefix: string }>;
  /** A database of its own (chat gets one anyway). */
  database?: boolean;
  /** Chat (and a database of its own) with these settings. */
  chat?: Env;
  /** Wallet-watcher with these settings. */
  watcher?: Env;
  /** Bet-stream with these settings. */
  betStream?: Env;
  /** Gateways to start, by name: each one's settings. */
  gateways?: Record<G, Env>;
  /** Runs once the apps are seeded and the services started, before the gateways start. */
  beforeGateways?(servers: Pick<Servers<A>, "ns" | "writer" | "apps"> & { db?: TestDatabase }): Promise<void>;
}

export interface Servers<A extends string = never, G extends string = never> {
  ns: TestNamespace;
  js: JetStreamClient;
  writer: DirectoryWriter;
  apps: Record<A, SeededApp>;
  gateways: Record<G, RunningGateway>;
  /** Only when asked for (the options name them); reading one that was not started throws. */
  db: TestDatabase;
  chat: RunningChat;
  watcher: RunningWatcher;
  betStream: RunningBetStream;
  /** Every client the file opened, closed before the servers stop. */
  clients: AnyClient[];
  /** Publishes a wallet event as Moneypot does (on the wallet stream, with its Nats-Msg-Id). */
  publishWallet(event: WalletEvent): ReturnType<typeof publishWalletEvent>;
  /** Opens a 4.x client on `gateway`, authenticates it and tracks it for closing. */
  authed(gateway: RunningGateway, appId: number, token: string | undefined, subscriptions: string[]): Promise<AuthenticatedClient>;
  stop(): Promise<void>;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was not started: name it in the servers' options`);
  return value;
}

export async function startServers<A extends string = never, G extends string = never>(options: ServersOptions<A, G> = {}): Promise<Servers<A, G>> {
  const clients: AnyClient[] = [];
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const c of clients) c.close();
    for (const fn of stoppers.reverse()) await fn().catch(() => undefined);
  };
  try {
    const ns = await createTestNamespace();
    stoppers.push(() => ns.cleanup());
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const apps = {} as Record<A, SeededApp>;
    for (const [name, app] of Object.entries(options.apps ?? {}) as [A, number | { members: number; prefix: string }][]) {
      apps[name] = typeof app === "number" ? await seedApp(writer, app) : await seedApp(writer, app.members, app.prefix);
    }
    let db: TestDatabase | undefined;
    let chat: RunningChat | undefined;
    if (options.database || options.chat) {
      const database = (db = await createTestDatabase());
      stoppers.push(() => database.drop());
    }
    if (options.chat) {
      const service = (chat = await startChat(ns.nc, ns.namespace, db!.url, options.chat));
      stoppers.push(() => service.stop());
    }
    let watcher: RunningWatcher | undefined;
    if (options.watcher) {
      const service = (watcher = await startWalletWatcher(ns.nc, natsUrl(), ns.namespace, options.watcher));
      stoppers.push(() => service.stop());
    }
    let betStream: RunningBetStream | undefined;
    if (options.betStream) {
      const service = (betStream = await startBetStream(ns.namespace, options.betStream));
      stoppers.push(() => service.stop());
    }
    await options.beforeGateways?.({ ns, writer, apps, db });
    const gateways = {} as Record<G, RunningGateway>;
    for (const [name, env] of Object.entries(options.gateways ?? {}) as [G, Env][]) {
      const gateway = (gateways[name] = await startGateway(ns.nc, ns.namespace, env));
      stoppers.push(() => gateway.stop());
    }
    const js = jetstream(ns.nc);
    return {
      ns,
      js,
      writer,
      apps,
      gateways,
      clients,
      get db() {
        return started(db, "a database (chat)");
      },
      get chat() {
        return started(chat, "chat");
      },
      get watcher() {
        return started(watcher, "wallet-watcher");
      },
      get betStream() {
        return started(betStream, "bet-stream");
      },
      publishWallet: (event) => publishWalletEvent(js, ns.names, event),
      authed: (gateway, appId, token, subscriptions) => authenticate(gateway.url, { app_id: appId, access_token: token, subscriptions }, clients),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Starts the servers before the file's tests and stops them after; read them inside tests and hooks. */
export function useServers<A extends string = never, G extends string = never>(options: ServersOptions<A, G> = {}): Servers<A, G> {
  let servers: Servers<A, G> | undefined;
  beforeAll(async () => {
    servers = await startServers(options);
  }, 120_000);
  afterAll(async () => {
    await servers?.stop();
  });
  return new Proxy({} as Servers<A, G>, { get: (_target, key) => Reflect.get(started(servers, "the servers (they start in beforeAll)"), key) });
}
