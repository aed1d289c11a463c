/**
 * The chat service's composition root: RPC endpoints (join, post, leave, and the server API's
 * app-post, history, moderate, presence), gateway liveness
 * (heartbeats and goodbyes, shared by the replicas through a queue group), the presence
 * reaper, and fan-out publishing on `names.fanout.chat(appId)`.
 */
import type { z } from "zod";
import type { Logger } from "pino";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  GatewayGoodbye,
  GatewayHeartbeat,
  HISTORY_LIMIT,
  NewMessageRequest,
  createNames,
  decode,
  encode,
  rpcCatalogue,
  type ChatFanout,
} from "@socketpot/contracts";
import {
  DirectoryReader,
  onceStop,
  openDirectoryBucket,
  registerService,
  natsReady,
  readiness,
  RpcError,
  registerRpcMetrics,
  serveRpc,
  type Registry,
  type RpcEndpointStats,
  type Service,
} from "@socketpot/service-kit";
import type { ChatConfig } from "./config";
import { applyMigrations, createPrisma, ensureDatabase, type ChatPrisma } from "./database";
import { moderate } from "./moderation";
import { postMessage, type DirectoryLookup, type PostingOptions } from "./posting";
import { ChatRepository } from "./repository";
import { createChatMetrics } from "./metrics";

export interface ChatDeps {
  config: ChatConfig;
  nc: NatsConnection;
  log: Logger;
  /** A Prisma client to use (and not close); by default one is built from DATABASE_URL. */
  prisma?: ChatPrisma;
  /** Directory lookups for commands; by default the directory KV bucket of the namespace. */
  directory?: DirectoryLookup;
  /** Where its metrics go (the process registry in production). */
  metrics?: Registry;
}

export interface ChatService {
  start(): Promise<void>;
  /** Idempotent: stops intake, finishes the reaper round, closes the database pool it opened. */
  stop(): Promise<void>;
  /** Runs one reaper round now (tests and the leave path use it). */
  reap(): Promise<void>;
  /** True while it can serve: started, NATS reachable. */
  ready(): Promise<boolean>;
}

const QUEUE = "socketpot-chat";
const PURGE_EVERY_MS = 60_000;
const SWEEP_EVERY_MS = 30_000;

export function createChatService({ config, nc, log, ...deps }: ChatDeps): ChatService {
  const names = createNames(config.SOCKETPOT_NAMESPACE);
  const rpcs = rpcCatalogue(names);
  const ownPrisma = deps.prisma === undefined;
  let prisma: ChatPrisma | undefined = deps.prisma;
  let repo: ChatRepository | undefined;
  let service: Service | undefined;
  const subs: Subscription[] = [];
  let reapTimer: NodeJS.Timeout | undefined;
  const lingerTimers = new Map<number, NodeJS.Timeout>();
  let reaping: Promise<void> | undefined;
  let lastPurge = 0;
  let lastSweep = 0;
  let stopped = false;
  /** Gateways are only declared dead once the database has been reachable for a grace period. */
  let healthySince = Date.now();
  /** Database work started by handlers; stop() waits for it before closing the pool. */
  const inflight = new Set<Promise<unknown>>();
  function track<T>(work: Promise<T>): Promise<T> {
    inflight.add(work);
    void work.then(
      () => inflight.delete(work),
      () => inflight.delete(work),
    );
    return work;
  }

  const posting: PostingOptions = {
    defaultMuteSeconds: config.CHAT_DEFAULT_MUTE_SECONDS,
    maxSeconds: config.CHAT_MAX_MUTE_SECONDS,
    rateLimit: { count: config.CHAT_RATE_LIMIT_COUNT, windowMs: config.CHAT_RATE_LIMIT_WINDOW_MS },
  };

  const metrics = deps.metrics ? createChatMetrics(deps.metrics) : undefined;
  const endpoints = new Map<string, RpcEndpointStats>();
  if (deps.metrics) registerRpcMetrics(deps.metrics, endpoints);
  const timed = <T>(operation: "join" | "post" | "leave", work: () => Promise<T>) => (metrics ? metrics.timed(operation, work) : work());

  const publish = (appId: number, event: ChatFanout) => nc.publish(names.fanout.chat(appId), encode(event));

  const dbFailed = (err: unknown, what: string) => {
    healthySince = Date.now();
    log.error({ err, what }, "database operation failed");
  };

  async function reapOnce(): Promise<void> {
    if (!repo || stopped) return;
    try {
      if (Date.now() - healthySince >= config.CHAT_GATEWAY_GRACE_MS) {
        const sweep = Date.now() - lastSweep > SWEEP_EVERY_MS;
        if (sweep) lastSweep = Date.now();
        const dead = await repo.reapDeadGateways(config.CHAT_GATEWAY_MISSED_BEATS, sweep);
        if (dead.length) log.warn({ gateways: dead }, "gateways stopped sending heartbeats; their sockets were dropped");
      }
      for (let round = 0; round < 20; round++) {
        const gone = await repo.reapLeavers();
        for (const { appId, user } of gone) publish(appId, { type: "user_left", user: { uname: user.uname } });
        if (gone.length < 500) break;
      }
      if (Date.now() - lastPurge > PURGE_EVERY_MS) {
        lastPurge = Date.now();
        await repo.purgeExpired(config.CHAT_RATE_LIMIT_WINDOW_MS);
      }
    } catch (err) {
      dbFailed(err, "reap");
    }
  }

  /** One reaper round at a time per replica; concurrent callers share it. */
  function reap(): Promise<void> {
    reaping ??= reapOnce().finally(() => {
      reaping = undefined;
    });
    return reaping;
  }

  /** A reaper round right after a linger ends; leaves within 100 ms share one timer. */
  function reapAfter(ms: number): void {
    const bucket = Math.ceil((Date.now() + ms) / 100) * 100;
    if (lingerTimers.has(bucket)) return;
    const timer = setTimeout(() => {
      lingerTimers.delete(bucket);
      void reap();
    }, bucket - Date.now() + 50);
    timer.unref();
    lingerTimers.set(bucket, timer);
  }

  function subscribeLiveness(r: ChatRepository): void {
    subs.push(
      nc.subscribe(names.gateway.heartbeat, {
        queue: QUEUE,
        callback: (err, msg) => {
          if (err) return log.error({ err }, "heartbeat subscription failed");
          const hb = decode(GatewayHeartbeat, msg.data);
          if (!hb.ok) return log.warn({ error: hb.error }, "invalid gateway heartbeat skipped");
          void track(r.gatewaySeen(hb.value.gateway_id, hb.value.interval_ms).catch((e: unknown) => dbFailed(e, "heartbeat")));
        },
      }),
      nc.subscribe(names.gateway.goodbye, {
        queue: QUEUE,
        callback: (err, msg) => {
          if (err) return log.error({ err }, "goodbye subscription failed");
          const bye = decode(GatewayGoodbye, msg.data);
          if (!bye.ok) return log.warn({ error: bye.error }, "invalid gateway goodbye skipped");
          void track(
            r.gatewayGone(bye.value.gateway_id, config.CHAT_PRESENCE_LINGER_MS).then(
              (sockets) => {
                log.info({ gateway: bye.value.gateway_id, sockets }, "gateway said goodbye");
                reapAfter(config.CHAT_PRESENCE_LINGER_MS);
              },
              (e: unknown) => dbFailed(e, "goodbye"),
            ),
          );
        },
      }),
    );
  }

  return {
    async start() {
      if (config.CHAT_MIGRATE_ON_START) {
        await ensureDatabase(config.DATABASE_URL);
        await applyMigrations(config.DATABASE_URL);
        log.info("database migrated");
      }
      prisma ??= createPrisma({
        url: config.DATABASE_URL,
        poolMax: config.CHAT_DB_POOL_MAX,
        onPoolError: (err) => log.warn({ err: err.message }, "database connection lost; the pool reconnects"),
      });
      const r = new ChatRepository(prisma);
      repo = r;
      const directory = deps.directory ?? new DirectoryReader(await openDirectoryBucket(nc, names, config.SOCKETPOT_JS_REPLICAS));

      service = await registerService(
        nc,
        { name: "chat", version: "0.1.0", description: "Chat messages, moderation and presence" },
        config.SOCKETPOT_NAMESPACE,
      );
      const join = async (req: z.output<typeof rpcs.chatJoin.request>) => {
        if (req.user) {
          const { joined } = await r.joinSocket({
            appId: req.app_id,
            gatewayId: req.gateway_id,
            socketId: req.socket_id,
            user: req.user,
          });
          if (joined) publish(req.app_id, { type: "user_joined", user: req.user });
        }
        const [messages, userlist] = await Promise.all([r.recentMessages(req.app_id, HISTORY_LIMIT), r.userlist(req.app_id)]);
        return { chat: { messages, userlist } };
      };
      const post = async (req: z.output<typeof rpcs.chatPost.request>) => {
        const message = await postMessage(r, directory, posting, {
          appId: req.app_id,
          user: req.user,
          channel: req.channel,
          text: req.text,
        });
        publish(req.app_id, { type: "new_message", message });
        return { message };
      };
      const leave = async (req: z.output<typeof rpcs.chatLeave.request>) => {
        await r.leaveSocket({
          appId: req.app_id,
          gatewayId: req.gateway_id,
          socketId: req.socket_id,
          authId: req.user.auth_id,
          lingerMs: config.CHAT_PRESENCE_LINGER_MS,
        });
        reapAfter(config.CHAT_PRESENCE_LINGER_MS);
        return {};
      };
      // The server API's operations (services/api): the app's backend, not a socket's user.
      const appPost = async (req: z.output<typeof rpcs.chatAppPost.request>) => {
        const shape = NewMessageRequest.safeParse({ channel: req.channel, text: req.text });
        if (!shape.success) throw new RpcError("INVALID_REQUEST", shape.error.issues[0]?.message);
        const message = await r.insertMessage({ appId: req.app_id, ...shape.data, user: req.user });
        publish(req.app_id, { type: "new_message", message });
        return { message };
      };
      const moderated = async (req: z.output<typeof rpcs.chatModerate.request>) => {
        const message = await moderate(r, directory, posting, req);
        publish(req.app_id, { type: "new_message", message });
        return { message };
      };
      const history = (req: z.output<typeof rpcs.chatHistory.request>) => r.messagesBefore(req.app_id, req.before_id, req.limit).then((messages) => ({ messages }));
      const presence = (req: z.output<typeof rpcs.chatPresence.request>) => r.presence(req.app_id).then((users) => ({ users }));
      endpoints.set("app-post", serveRpc(service, "app-post", rpcs.chatAppPost, (req) => track(timed("post", () => appPost(req))), log));
      endpoints.set("history", serveRpc(service, "history", rpcs.chatHistory, (req) => track(history(req)), log));
      endpoints.set("moderate", serveRpc(service, "moderate", rpcs.chatModerate, (req) => track(moderated(req)), log));
      endpoints.set("presence", serveRpc(service, "presence", rpcs.chatPresence, (req) => track(presence(req)), log));
      endpoints.set("join", serveRpc(service, "join", rpcs.chatJoin, (req) => track(timed("join", () => join(req))), log));
      const postBounds = {
        concurrency: config.CHAT_POST_CONCURRENCY,
        queued: config.CHAT_POST_QUEUE,
        perKey: config.CHAT_POST_PER_USER,
        key: (req: z.output<typeof rpcs.chatPost.request>) => `${req.app_id}:${req.user.auth_id}`,
      };
      endpoints.set("post", serveRpc(service, "post", rpcs.chatPost, (req) => track(timed("post", () => post(req))), log, { bounds: postBounds }));
      endpoints.set("leave", serveRpc(service, "leave", rpcs.chatLeave, (req) => track(timed("leave", () => leave(req))), log));
      subscribeLiveness(r);
      await nc.flush();
      healthySince = Date.now();
      reapTimer = setInterval(() => void reap(), config.CHAT_REAP_INTERVAL_MS);
      reapTimer.unref();
      log.info({ namespace: config.SOCKETPOT_NAMESPACE }, "chat started");
    },
    stop: onceStop(async () => {
      stopped = true;
      clearInterval(reapTimer);
      for (const t of lingerTimers.values()) clearTimeout(t);
      lingerTimers.clear();
      await Promise.all(subs.map((s) => s.drain().catch(() => undefined)));
      await service?.stop().catch((err: unknown) => log.warn({ err }, "stopping the NATS service failed"));
      await reaping;
      await Promise.allSettled([...inflight]);
      if (ownPrisma) await prisma?.$disconnect();
    }),
    reap,
    ready: readiness({ started: () => repo !== undefined && !stopped, nats: () => natsReady(nc) }),
  };
}
