import { createServer, type Server as HttpServer } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { betsOf, createNames, rpcCatalogue, type ClientToServerEvents, type ServerToClientEvents } from "@socketpot/contracts";
import { DirectoryReader, createRpcClient, onceStop, openDirectoryBucket } from "@socketpot/service-kit";
import type { GatewayConfig } from "./config";
import { AppCache } from "./app-cache";
import { handleConnection } from "./connection";
import { FanoutRelay } from "./fanout-relay";
import { startHeartbeat } from "./heartbeat";
import { createHttpHandler } from "./http";
import { RecentBetsCache } from "./recent-bets";
import { TokenSockets } from "./token-watch";

export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../public", import.meta.url));

export interface GatewayDeps {
  config: GatewayConfig;
  nc: NatsConnection;
  log: Logger;
}

export interface GatewayService {
  readonly gatewayId: string;
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly http: HttpServer;
  /** Listens on config.PORT (0 = any); resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Idempotent: says goodbye, closes sockets and the HTTP server. Does not close `nc`. */
  stop(): Promise<void>;
  /** Relayed: client emits from fan-out messages; rejected: fan-out messages that failed validation. */
  stats(): { sockets: number; rooms: number; subscriptions: number; relayed: number; rejected: number };
  /** True while it can authenticate and relay: started, NATS and the directory reachable. */
  ready(): Promise<boolean>;
}

export function newGatewayId(): string {
  return `gw_${randomBytes(6).toString("hex")}`;
}

export function createGatewayService({ config, nc, log }: GatewayDeps): GatewayService {
  const gatewayId = config.GATEWAY_ID ?? newGatewayId();
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const rpcs = rpcCatalogue(names);
  const rpc = createRpcClient(nc, log, config.RPC_TIMEOUT_MS);
  const tokens = new TokenSockets();
  let directory: DirectoryReader | undefined;
  let stopping = false;
  let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
  let stopWatch: (() => void) | undefined;

  async function ready(): Promise<boolean> {
    if (stopping || nc.isClosed() || !directory) return false;
    await directory.kv.status();
    return true;
  }

  // Registered before socket.io attaches: engine.io then hands it only the requests that are
  // not its own (a listener added afterwards would also answer /socket.io/ polling requests).
  const http = createServer(
    createHttpHandler({
      publicDir: config.PUBLIC_DIR === "" ? undefined : (config.PUBLIC_DIR ?? DEFAULT_PUBLIC_DIR),
      demoFile: config.DEMO_FILE || undefined,
      ready,
    }),
  );
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, {
    allowEIO3: true,
    maxHttpBufferSize: config.MAX_FRAME_BYTES,
    serveClient: true,
    cors: { origin: config.CORS_ORIGIN === "*" ? true : config.CORS_ORIGIN.split(","), credentials: true },
  });
  const relay = new FanoutRelay(io, nc, log);
  const recentBets = new RecentBetsCache({
    isRelaying: (room) => relay.isRelaying(room),
    retryMs: config.BETS_RECENT_RETRY_MS,
  });
  relay.observe("bets", {
    relayed: (room, message) => {
      for (const bet of betsOf(message)) recentBets.record(room, bet);
    },
    closed: (room) => recentBets.forget(room),
  });

  return {
    gatewayId,
    ready,
    io,
    http,
    async start() {
      const kv = await openDirectoryBucket(nc, names);
      const reader = new DirectoryReader(kv);
      directory = reader;
      stopWatch = await reader.watchRevocations((hash) => tokens.revoke(hash));
      const apps = new AppCache(reader);
      io.on("connection", (socket) =>
        handleConnection(socket, {
          gatewayId,
          names,
          rpcs,
          rpc,
          directory: reader,
          apps,
          relay,
          tokens,
          recentBets,
          settings: { chatLeaveRetryMaxMs: config.CHAT_LEAVE_RETRY_MAX_MS },
          log,
          authTimeoutMs: config.AUTH_TIMEOUT_MS,
          maxEventBytes: config.MAX_EVENT_BYTES,
          stopping: () => stopping,
        }),
      );
      heartbeat = startHeartbeat(nc, names, gatewayId, config.HEARTBEAT_INTERVAL_MS, () => io.engine.clientsCount);
      await new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }, () => {
          http.off("error", reject);
          resolve();
        });
      });
      const port = (http.address() as AddressInfo).port;
      log.info({ gateway: gatewayId, port }, "gateway listening");
      return { port };
    },
    stop: onceStop(async () => {
      stopping = true;
      heartbeat?.stop(true);
      stopWatch?.();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      relay.close();
      if (!nc.isClosed()) await nc.flush().catch(() => undefined);
    }),
    stats: () => ({
      sockets: io.engine?.clientsCount ?? 0,
      rooms: relay.roomCount,
      subscriptions: relay.subscriptionCount,
      relayed: relay.relayed,
      rejected: relay.rejected,
    }),
  };
}
