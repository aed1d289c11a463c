import type { Socket } from "socket.io";
import type { Logger } from "pino";
import {
  AuthRequest,
  type AppRecord,
  type AuthResponse,
  type ErrorCode,
  type Names,
  type RpcCatalogue,
  type Subscription,
  type UserObject,
} from "@socketpot/contracts";
import type { DirectoryReader, RpcClient } from "@socketpot/service-kit";
import { clientErrors } from "./client-errors";
import { features } from "./features";
import { nextTurn } from "./next-turn";
import type { ClientEventHandler, FanoutRoom, FeatureSettings, GatewayFeature, SessionContext } from "./features/feature";
import type { FanoutRelay } from "./fanout-relay";
import type { TokenSockets } from "./token-watch";
import type { AppCache } from "./app-cache";
import type { RecentBetsCache } from "./recent-bets";

type Callback = (err: ErrorCode | null, result?: unknown) => void;

export interface ConnectionDeps {
  gatewayId: string;
  names: Names;
  rpcs: RpcCatalogue;
  rpc: RpcClient;
  directory: DirectoryReader;
  apps: AppCache;
  relay: FanoutRelay;
  tokens: TokenSockets;
  recentBets: RecentBetsCache;
  settings: FeatureSettings;
  log: Logger;
  authTimeoutMs: number;
  maxEventBytes: number;
  stopping: () => boolean;
}

/** Client events the gateway accepts, with the feature that serves each. */
const clientEvents = new Map<string, { feature: GatewayFeature; handler: ClientEventHandler }>();
for (const feature of Object.values(features)) {
  for (const [event, handler] of Object.entries(feature.clientEvents ?? {})) clientEvents.set(event, { feature, handler });
}
const KNOWN_EVENTS = ["auth", ...clientEvents.keys()];

const MAX_TIMER_MS = 2 ** 31 - 1;

function splitArgs(args: unknown[]): { payload: unknown; callback?: Callback } {
  const last = args[args.length - 1];
  if (typeof last === "function") {
    return { payload: args.length > 1 ? args[0] : undefined, callback: last as Callback };
  }
  return { payload: args[0] };
}

/**
 * One socket's life: the auth deadline, auth, the features it subscribed to, client
 * events, size limits, token revocation/expiry and cleanup.
 */
export function handleConnection(socket: Socket, deps: ConnectionDeps): void {
  let state: "waiting" | "authenticating" | "authenticated" = "waiting";
  let context: SessionContext | undefined;
  let active: GatewayFeature[] = [];
  let subscriptions = new Set<Subscription>();
  let tokenHash: string | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let lastFrameBytes = 0;

  const clientError = (text: string) => socket.emit("client_error", text);

  const deadline = setTimeout(() => {
    if (state === "authenticated") return;
    clientError(clientErrors.authTimeout(deps.authTimeoutMs));
    socket.disconnect(true);
  }, deps.authTimeoutMs);

  socket.conn.on("packet", (packet: { type: string; data?: unknown }) => {
    if (packet.type !== "message") return;
    const data = packet.data;
    lastFrameBytes = typeof data === "string" ? Buffer.byteLength(data) : data instanceof Uint8Array ? data.byteLength : 0;
  });

  socket.use(([event, ...args], next) => {
    if (lastFrameBytes > deps.maxEventBytes) {
      clientError(clientErrors.tooLarge(String(event), lastFrameBytes, deps.maxEventBytes));
      splitArgs(args).callback?.("INVALID_REQUEST");
      return;
    }
    if (event !== "auth" && !clientEvents.has(event)) {
      clientError(clientErrors.unknownEvent(event, KNOWN_EVENTS));
      splitArgs(args).callback?.("INVALID_REQUEST");
      return;
    }
    next();
  });

  socket.on("auth", (...args: unknown[]) => {
    const { payload, callback } = splitArgs(args);
    if (!callback) return clientError(clientErrors.missingCallback("auth"));
    if (state !== "waiting") {
      clientError(clientErrors.alreadyAuthenticated());
      return callback("ALREADY_AUTHENTICATED");
    }
    const parsed = AuthRequest.safeParse(payload);
    if (!parsed.success) {
      clientError(clientErrors.invalid("auth", parsed.error));
      return callback("INVALID_REQUEST");
    }
    state = "authenticating";
    authenticate(parsed.data).then(
      (outcome) => {
        if (!outcome.ok) {
          state = "waiting";
          return callback(outcome.error);
        }
        callback(null, outcome.response);
        if (outcome.response.subscriptions.length === 0) {
          clientError(clientErrors.noSubscriptions());
          socket.disconnect(true);
        }
      },
      (err: unknown) => {
        deps.log.error({ err, socket: socket.id }, "auth failed");
        state = "waiting";
        callback("INTERNAL_ERROR");
      },
    );
  });

  async function authenticate(
    request: AuthRequest,
  ): Promise<{ ok: true; response: AuthResponse } | { ok: false; error: ErrorCode }> {
    const app = await deps.apps.get(request.app_id);
    if (!app) {
      clientError(clientErrors.unknownApp(request.app_id));
      return { ok: false, error: "UNKNOWN_APP" };
    }
    let resolved: Awaited<ReturnType<DirectoryReader["resolveToken"]>>;
    if (request.access_token) {
      await nextTurn();
      resolved = await deps.directory.resolveToken(app, request.access_token);
    }
    const user = resolved?.user;
    const ctx = createContext(app, user);
    const wanted = request.subscriptions.map((s) => features[s]).filter((f) => !f.requiresUser || user);

    const results = await Promise.all(wanted.map(async (feature) => ({ feature, reply: await feature.onAuth(ctx) })));
    const granted = results.filter((r) => r.reply.ok).map((r) => r.feature);
    const failed = results.find((r) => !r.reply.ok);
    if (failed || !socket.connected) {
      await Promise.all(granted.map((f) => f.onDisconnect?.(ctx)));
      return { ok: false, error: failed && !failed.reply.ok ? failed.reply.error : "INTERNAL_ERROR" };
    }

    const response: AuthResponse = { subscriptions: granted.map((f) => f.subscription) };
    if (user) response.user = user;
    const rooms: FanoutRoom[] = [];
    for (const { reply } of results) {
      if (!reply.ok) continue;
      Object.assign(response, reply.result.response);
      rooms.push(...reply.result.rooms);
    }
    await deps.relay.join(socket.id, rooms);

    context = ctx;
    active = granted;
    subscriptions = new Set(response.subscriptions);
    state = "authenticated";
    clearTimeout(deadline);
    if (resolved) {
      tokenHash = resolved.tokenHash;
      deps.tokens.add(resolved.tokenHash, revoke);
      if (resolved.expiresAt !== null) {
        expiryTimer = setTimeout(() => revoke(), Math.min(MAX_TIMER_MS, Math.max(0, resolved.expiresAt - Date.now())));
      }
    }
    if (!socket.connected) await cleanup();
    return { ok: true, response };
  }

  function createContext(app: AppRecord, user: UserObject | undefined): SessionContext {
    let log: Logger | undefined;
    return {
      socketId: socket.id,
      gatewayId: deps.gatewayId,
      app,
      user,
      // Created on first use: most sockets never log, and a child logger per socket costs.
      get log() {
        return (log ??= deps.log.child({ socket: socket.id, app: app.id, auth_id: user?.auth_id }));
      },
      names: deps.names,
      rpcs: deps.rpcs,
      rpc: deps.rpc,
      recentBets: deps.recentBets,
      settings: deps.settings,
      gatewayStopping: deps.stopping,
    };
  }

  function revoke(): void {
    clientError(clientErrors.tokenRevoked());
    socket.disconnect(true);
  }

  for (const [event, { feature, handler }] of clientEvents) {
    socket.on(event, (...args: unknown[]) => {
      const { payload, callback } = splitArgs(args);
      if (!callback) return clientError(clientErrors.missingCallback(event));
      if (state !== "authenticated" || !context) {
        clientError(clientErrors.notAuthenticated(event));
        return callback("NOT_AUTHENTICATED");
      }
      if (!subscriptions.has(feature.subscription)) {
        clientError(clientErrors.notSubscribed(event, feature.subscription));
        return callback("NOT_SUBSCRIBED");
      }
      if (handler.requireUser && !context.user) {
        clientError(clientErrors.loginRequired(event));
        return callback("LOGIN_REQUIRED");
      }
      const parsed = handler.schema.safeParse(payload);
      if (!parsed.success) {
        clientError(clientErrors.invalid(event, parsed.error));
        return callback("INVALID_REQUEST");
      }
      handler.handle(context, parsed.data).then(
        (reply) => (reply.ok ? callback(null, reply.result) : callback(reply.error)),
        (err: unknown) => {
          context?.log.error({ err, event }, "client event failed");
          callback("INTERNAL_ERROR");
        },
      );
    });
  }

  let cleaned = false;
  async function cleanup(): Promise<void> {
    if (cleaned || !context) return;
    cleaned = true;
    if (deps.stopping()) return;
    const ctx = context;
    await Promise.all(
      active.map((f) =>
        f.onDisconnect?.(ctx).catch((err: unknown) => ctx.log.error({ err, feature: f.subscription }, "disconnect cleanup failed")),
      ),
    );
  }

  socket.on("disconnect", () => {
    clearTimeout(deadline);
    clearTimeout(expiryTimer);
    if (tokenHash) deps.tokens.remove(tokenHash, revoke);
    void cleanup();
  });
}
