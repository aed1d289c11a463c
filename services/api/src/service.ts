/**
 * The API service's composition root: the HTTP API and the NATS API over the same
 * operations, the API key cache with its directory watch, and readiness. No database of
 * its own: chat owns PostgreSQL, the gateways relay events and disconnects.
 */
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { NatsConnection } from "@nats-io/transport-node";
import { apiCatalogue, createNames, rpcCatalogue } from "@socketpot/contracts";
import { DirectoryCache, createRpcClient, natsReady, onceStop, openDirectoryBucket, readiness, registerService, type Registry, type Service } from "@socketpot/service-kit";
import type { FastifyInstance } from "fastify";
import { ApiKeys } from "./api-keys";
import type { ApiConfig } from "./config";
import { buildHttp } from "./http";
import { serveNatsApi } from "./nats-api";
import { createOperations } from "./operations";
import { RateLimiter } from "./rate-limit";

export interface ApiDeps {
  config: ApiConfig;
  nc: NatsConnection;
  log: Logger;
  metrics?: Registry;
}

export interface ApiService {
  /** Listens on API_PORT (0 = any); resolves with the bound port. */
  start(): Promise<{ port: number }>;
  /** Idempotent: stops the NATS endpoints and key watch, finishes open requests, closes the HTTP server. Does not close `nc`. */
  stop(): Promise<void>;
  /** Started, NATS reachable, key revocations seen. */
  ready(): Promise<boolean>;
}

export function createApiService({ config, nc, log }: ApiDeps): ApiService {
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const catalogue = apiCatalogue(names);
  const rpc = createRpcClient(nc, log, config.RPC_TIMEOUT_MS);
  let keys: ApiKeys | undefined;
  let cache: DirectoryCache | undefined;
  let http: FastifyInstance | undefined;
  let service: Service | undefined;
  let stopping = false;

  const ready = readiness({
    started: () => http !== undefined && !stopping,
    keys: () => keys?.live === true,
    nats: () => natsReady(nc),
  });

  return {
    ready,
    async start() {
      const directory = new DirectoryCache(await openDirectoryBucket(nc, names, config.SOCKETPOT_JS_REPLICAS));
      // Apps (and staff) kept until a KV watch says they changed; nothing kept while it is down.
      await directory.start({
        nc,
        onError: (err) => log.error({ err }, "directory cache watch failed"),
        onEnded: (err) => log.warn({ err }, "directory cache watch ended; apps are read on every call"),
      });
      cache = directory;
      const k = new ApiKeys(directory);
      await k.start((err) => log.error({ err }, "the API key watch ended; keys are read from the directory on every call"));
      keys = k;
      const operations = createOperations({
        names,
        rpcs: rpcCatalogue(names),
        rpc,
        nc,
        directory: { getApp: (appId) => directory.getApp(appId), userObject: (app, authId) => directory.userObject(app, authId) },
      });
      service = await registerService(nc, { name: "api", version: "0.1.0", description: "Server API for app backends" }, config.SOCKETPOT_NAMESPACE);
      serveNatsApi(service, catalogue, operations, log);
      http = await buildHttp({
        catalogue,
        operations,
        resolveKey: (key) => k.resolve(key),
        limiter: new RateLimiter(config.API_RATE_LIMIT, config.API_RATE_WINDOW_MS),
        ready,
        bodyLimit: config.API_BODY_LIMIT_BYTES,
        log,
      });
      await http.listen({ port: config.API_PORT, host: config.API_HOST });
      const port = (http.server.address() as AddressInfo).port;
      log.info({ port, namespace: config.SOCKETPOT_NAMESPACE }, "api listening");
      return { port };
    },
    stop: onceStop(async () => {
      stopping = true;
      await service?.stop().catch((err: unknown) => log.warn({ err }, "stopping the NATS service failed"));
      await http?.close();
      keys?.stop();
      cache?.stop();
    }),
  };
}
