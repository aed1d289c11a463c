import { createServer, type Server as HttpServer } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Server } from "socket.io";
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { createNames, rpcCatalogue, type AppRecord, type ClientToServerEvents, type ServerToClientEvents } from "@socketpot/contracts";
import { DirectGets, DirectoryCache, createRpcClient, directKeyRead, kvKeyRead, onceStop, openDirectoryBucket, type Registry } from "@socketpot/service-kit";
import type { GatewayConfig } from "./config";
import { createAppRooms } from "./app-rooms";
import type { EventAdmission } from "./event-admission";
import { EdgeLimits } from "./edge-limits/edge-limits";
import { registerEdgeLimitMetrics } from "./edge-limits/metrics";
import { edgeLimitSettings } from "./edge-limits/settings";
import { serveEio3Compat } from "./eio3-compat";
import { createFeatures } from "./features";
import { startHeartbeat } from "./heartbeat";
import { corsOptions } from "./cors";
import { createHttpHandler } from "./http";
import { LoopHealth } from "./loop-health";
import { SessionCounts, registerGatewayMetrics } from "./metrics";
import { FanoutRelay } from "./relay/fanout-relay";
import { ReconnectResync } from "./relay/reconnect-resync";
import { Session } from "./session";
import { TokenSockets } from "./token-watch";

export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL("../public", import.meta.url));
/** How long a stopping gateway waits for open HTTP requests before cutting them. */
const STOP_GRACE_MS = 1_000;

export interface GatewayDeps {
  config: GatewayConfig;
  nc: NatsConnection;
  log: Logger;
  /** Decides about every client event before any work (default: the edge limits of `config`). */
  admission?: EventAdmission;
  /** The process's Prometheus registry: the gateway adds its metrics to it (default: none). */
  metrics?: Registry;
}

export interface GatewayService {
  readonly gatewayId: string;
  readonly io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly http: HttpServer;
  /** Listens on config.PORT (0 = any); resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Idempotent: says goodbye, closes sockets, features (in reverse order) and the HTTP server. Does not close `nc`. */
  stop(): Promise<void>;
  /** True while the gateway can do its job: started, not stopping, NATS reading, every loop running, the directory reachable. */
  ready(): Promise<boolean>;
  /**
   * relayed: client emits from fan-out messages; rejected: fan-out messages that failed
   * validation; failed: valid ones whose relaying threw (skipped); resyncs: resyncs after
   * the NATS connection came back, finished.
   */
  stats(): { sockets: number; rooms: number; subscriptions: number; relayed: number; rejected: number; failed: number; resyncs: number };
}

export function newGatewayId(): string {
  return `gw_${randomBytes(6).toString("hex")}`;
}

export function createGatewayService({ config, nc, log, metrics, ...deps }: GatewayDeps): GatewayService {
  const gatewayId = config.GATEWAY_ID ?? newGatewayId();
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const rpcs = rpcCatalogue(names);
  const rpc = createRpcClient(nc, log, config.RPC_TIMEOUT_MS);
  const tokens = new TokenSockets();
  const health = new LoopHealth(log);
  let directory: DirectoryCache | undefined;
  // One reader for every direct get of the gateway (auth's directory reads, the DEPOSITS
  // snapshot): the reads of concurrent auths go out in shared batches.
  const gets = new DirectGets(nc, { timeoutMs: config.RPC_TIMEOUT_MS });
  let stopping = false;
  let heartbeat: ReturnType<typeof startHeartbeat> | undefined;
  let stopWatch: (() => void) | undefined;

  async function ready(): Promise<boolean> {
    if (stopping || !directory || !(await health.probe(nc))) return false;
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
    cors: corsOptions(config.CORS_ORIGIN),
  });
  serveEio3Compat(io.engine);
  const relay = new FanoutRelay(io, nc, health, log);
  const appRooms = createAppRooms(names, relay);
  const resync = new ReconnectResync(nc, log);
  const features = createFeatures({ gatewayId, nc, names, rpcs, rpc, relay, resync, gets, config, log, stopping: () => stopping });
  const counts = new SessionCounts();
  if (metrics) registerGatewayMetrics(metrics, counts, () => relay.familyCounts());
  const limits = deps.admission ? undefined : new EdgeLimits(edgeLimitSettings(config));
  const admission = deps.admission ?? limits!;
  if (metrics && limits) registerEdgeLimitMetrics(metrics, limits);

  /** The directory bucket, its reader and the watches auth relies on; resolves once all are set up. */
  async function setupDirectory(): Promise<DirectoryCache> {
    const kv = await openDirectoryBucket(nc, names, config.SOCKETPOT_JS_REPLICAS);
    // Auth reads tokens and users with direct gets (no Error built per request), when the
    // bucket allows them; apps and staff come from memory, kept current by KV watches.
    const direct = (await kv.status()).streamInfo.config.allow_direct;
    const reader = new DirectoryCache(kv, direct ? directKeyRead(gets, names.directoryBucket) : kvKeyRead(kv));
    const [stopRevocations] = await Promise.all([
      reader.watchRevocations((hash) => tokens.revoke(hash, (err) => log.error({ err }, "revoking a socket failed")), {
        onError: (err) => log.error({ err }, "token revocation failed"),
        onEnded: (err) => health.died("directory revocation watch", err),
      }),
      reader.start({
        nc,
        onError: (err) => log.error({ err }, "directory cache watch failed"),
        onEnded: (err) => log.warn({ err }, "directory cache watch ended; apps and staff are read for every auth"),
      }),
    ]);
    stopWatch = () => {
      stopRevocations();
      reader.stop();
    };
    resync.start();
    directory = reader;
    return reader;
  }

  return {
    gatewayId,
    io,
    http,
    ready,
    async start() {
      // Listening starts at once, alongside the directory's setup: a reconnect storm's
      // handshakes proceed meanwhile, and auths wait for the directory (and its watches).
      const setup = setupDirectory();
      setup.catch(() => undefined);
      const sessionDeps = {
        features,
        directory: {
          app: async (appId: number) => (await setup).getApp(appId),
          resolveTokenHash: async (app: AppRecord, hash: string) => (await setup).resolveTokenHash(app, hash),
        },
        relay,
        appRooms,
        tokens,
        admission,
        log,
        counts,
        authTimeoutMs: config.AUTH_TIMEOUT_MS,
        maxEventBytes: config.MAX_EVENT_BYTES,
        stopping: () => stopping,
      };
      io.on("connection", (socket) => new Session(socket, sessionDeps));
      const listening = new Promise<void>((resolve, reject) => {
        http.once("error", reject);
        http.listen({ port: config.PORT, host: config.HOST, backlog: config.LISTEN_BACKLOG }, () => {
          http.off("error", reject);
          resolve();
        });
      });
      try {
        await Promise.all([setup, listening]);
      } catch (err) {
        if (http.listening) await new Promise<void>((resolve) => io.close(() => resolve()));
        throw err;
      }
      heartbeat = startHeartbeat(nc, names, gatewayId, config.HEARTBEAT_INTERVAL_MS, () => io.engine.clientsCount);
      const port = (http.address() as AddressInfo).port;
      log.info({ gateway: gatewayId, port }, "gateway listening");
      return { port };
    },
    stop: onceStop(async () => {
      stopping = true;
      resync.close();
      heartbeat?.stop(true);
      stopWatch?.();
      // io.close says goodbye to every socket, then waits for the HTTP server to close, which
      // waits for every request still open: one whose headers never finish would hold it
      // until headersTimeout. Whatever is still open after a short grace is cut.
      const cut = setTimeout(() => http.closeAllConnections(), STOP_GRACE_MS);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      clearTimeout(cut);
      await features.close();
      gets.close();
      relay.close();
      if (!nc.isClosed()) await nc.flush().catch(() => undefined);
    }),
    stats: () => ({
      sockets: io.engine?.clientsCount ?? 0,
      rooms: relay.roomCount,
      subscriptions: relay.subscriptionCount,
      relayed: relay.relayed,
      rejected: relay.rejected,
      failed: relay.failed,
      resyncs: resync.completed,
    }),
  };
}
