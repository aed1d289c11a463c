/**
 * One connected socket, as an object with named steps:
 *   dispatch      every client event: edge limits (admit), size, name, callback, then its route;
 *   authenticate  the `auth` event: directory lookups, resolveAuth, each feature's join, rooms;
 *   clientEvent   any other event: the socket's state and subscriptions, the payload, the feature;
 *   revoke        the token was revoked or expired: client_error and disconnect;
 *   close         the socket went away: timers, token watch, each joined feature's leave.
 * The rules around them: the auth deadline, MAX_EVENT_BYTES over a whole event, and a token
 * watched for revocation from the moment auth starts resolving it, checked again after the
 * slow steps, so a revocation during auth is never missed.
 */
import type { Socket } from "socket.io";
import type { Logger } from "pino";
import { AuthRequest, tokenHash, type AuthResponse, type AppRecord, type ErrorCode, type RpcReply, type Subscription, type UserObject } from "@socketpot/contracts";
import type { ResolvedUser } from "@socketpot/service-kit";
import { authResponse, resolveAuth, type AuthOutcome } from "./auth";
import { clientErrors } from "./client-errors";
import type { Admission, EventAdmission } from "./event-admission";
import { EventSizeMeter } from "./event-size";
import type { SessionCounts, SocketState } from "./metrics";
import type { Feature, FeatureSet, SessionInfo } from "./features";
import type { ClientEventHandler, FeatureJoin } from "./features/feature";
import { nextTurn } from "./next-turn";
import type { FanoutRelay } from "./relay/fanout-relay";
import type { AppRooms } from "./app-rooms";
import type { Revocable, TokenSockets } from "./token-watch";

export type Callback = (err: ErrorCode | null, result?: unknown) => void;

/** The directory as auth reads it. */
export interface AuthDirectory {
  app(appId: number): Promise<AppRecord | undefined>;
  /** The user of the token whose hash (`tokenHash`) is given, in this app. */
  resolveTokenHash(app: AppRecord, hash: string): Promise<ResolvedUser | undefined>;
}

/** What every session of a gateway shares. */
export interface SessionDeps {
  features: FeatureSet;
  directory: AuthDirectory;
  relay: Pick<FanoutRelay, "join">;
  /** The server API's rooms every authenticated socket joins besides its features'. */
  appRooms: AppRooms;
  tokens: TokenSockets;
  admission: EventAdmission;
  log: Logger;
  /** Sockets by state and subscription, auth outcomes, replies and client_errors, for /metrics. */
  counts: SessionCounts;
  authTimeoutMs: number;
  maxEventBytes: number;
  /** True while the gateway stops: services then learn from its goodbye, not from each socket. */
  stopping(): boolean;
}

type State = SocketState | "closed";

type ClientErrorReason = keyof typeof clientErrors;

const MAX_TIMER_MS = 2 ** 31 - 1;
const NONE: readonly never[] = Object.freeze([]);

function splitArgs(args: unknown[]): { payload: unknown; callback?: Callback } {
  const last = args[args.length - 1];
  if (typeof last === "function") return { payload: args.length > 1 ? args[0] : undefined, callback: last as Callback };
  return { payload: args[0] };
}

export class Session implements Revocable {
  private current: State = "waiting";
  private info: SessionInfo | undefined;
  /** The features the socket holds, granted in the auth response (at most three: an array is smaller than a Set). */
  private joined: readonly Feature[] = NONE;
  private watchedToken: string | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** Dropped once cleared: an idle socket keeps no timer. */
  private deadline: NodeJS.Timeout | undefined;
  private readonly eventSize = new EventSizeMeter();

  constructor(
    readonly socket: Socket,
    private readonly deps: SessionDeps,
  ) {
    deps.counts.moved(undefined, "waiting");
    this.deadline = setTimeout(() => this.authDeadlinePassed(), deps.authTimeoutMs);
    socket.conn.on("packet", (packet: { type: string; data?: unknown }) => {
      if (packet.type === "message") this.eventSize.packet(packet.data);
    });
    // Every event goes through dispatch; none reaches socket.io's own listeners.
    socket.use(([event, ...args]) => this.dispatch(String(event), args));
    socket.on("disconnect", () => void this.close());
  }

  private get state(): State {
    return this.current;
  }

  /** Every state change passes here, so the counts /metrics reads stay exact. */
  private set state(next: State) {
    const { counts } = this.deps;
    counts.moved(this.current === "closed" ? undefined : this.current, next === "closed" ? undefined : next);
    if (this.current === "authenticated") counts.subscriptions(this.subscriptions(), -1);
    if (next === "authenticated") counts.subscriptions(this.subscriptions(), 1);
    this.current = next;
  }

  private subscriptions(): Subscription[] {
    return this.joined.map((f) => f.subscription);
  }

  get id(): string {
    return this.socket.id;
  }

  /** Read after each await of auth: the socket may have gone meanwhile. */
  private get closed(): boolean {
    return this.state === "closed";
  }

  get authenticated(): boolean {
    return this.state === "authenticated";
  }

  /** The app and user, once the socket authenticated. */
  get identity(): SessionInfo | undefined {
    return this.state === "authenticated" ? this.info : undefined;
  }

  /** Step: one client event, as it arrives. */
  dispatch(event: string, args: unknown[]): void {
    const { payload, callback } = splitArgs(args);
    const bytes = this.eventSize.lastEventBytes;
    const admission = this.admit(event, bytes);
    if (!admission.ok) {
      if (admission.text !== undefined) this.emitClientError(admission.disconnect ? "edgeLimitDisconnect" : "edgeLimit", admission.text);
      this.deps.counts.reply(admission.error);
      callback?.(admission.error);
      if (admission.disconnect) this.socket.disconnect(true);
      return;
    }
    let answered = false;
    const answer: Callback = (err, result) => {
      if (answered) return;
      answered = true;
      admission.release();
      this.deps.counts.reply(err ?? "ok");
      if (err === null) callback?.(null, result);
      else callback?.(err);
    };
    if (bytes > this.deps.maxEventBytes) {
      this.clientError("tooLarge", event, bytes, this.deps.maxEventBytes);
      return answer("INVALID_REQUEST");
    }
    const route = event === "auth" ? "auth" : this.deps.features.clientEvent(event);
    if (!route) {
      this.clientError("unknownEvent", event, [...this.deps.features.eventNames]);
      return answer("INVALID_REQUEST");
    }
    if (!callback) {
      this.clientError("missingCallback", event);
      return answer("INVALID_REQUEST");
    }
    if (route === "auth") this.authenticate(payload, answer);
    else this.clientEvent(event, route, payload, answer);
  }

  /**
   * Edge limits: the one place every client event passes before any work is done for it (no
   * NATS request, no parse). A refused event is answered with the admission's error code.
   */
  private admit(event: string, bytes: number): Admission {
    const who = this.identity;
    return this.deps.admission.admit({ socketId: this.id, appId: who?.app.id, authId: who?.user?.auth_id, event, bytes });
  }

  /** Step: the `auth` event. */
  authenticate(payload: unknown, answer: Callback): void {
    const callback: Callback = (err, response) => {
      this.deps.counts.auth(err ?? ((response as AuthResponse).user ? "user" : "anonymous"));
      answer(err, response);
    };
    if (this.state !== "waiting") {
      this.clientError("alreadyAuthenticated");
      return callback("ALREADY_AUTHENTICATED");
    }
    const parsed = AuthRequest.safeParse(payload);
    if (!parsed.success) {
      this.clientError("invalid", "auth", parsed.error);
      return callback("INVALID_REQUEST");
    }
    this.state = "authenticating";
    this.runAuth(parsed.data).then(
      (outcome) => {
        // Gone meanwhile (disconnected, revoked): the answer reaches nobody.
        if (this.state === "closed") return callback("NOT_AUTHENTICATED");
        if (!outcome.ok) {
          this.state = "waiting";
          return callback(outcome.error);
        }
        callback(null, outcome.response);
        for (const feature of this.joined) feature.authenticated?.(this.info!);
        if (outcome.response.subscriptions.length === 0) {
          this.clientError("noSubscriptions");
          this.socket.disconnect(true);
        }
      },
      (err: unknown) => {
        this.deps.log.error({ err, socket: this.id }, "auth failed");
        this.unwatchToken();
        if (this.state !== "closed") this.state = "waiting";
        callback("INTERNAL_ERROR");
      },
    );
  }

  private async runAuth(request: AuthRequest): Promise<AuthOutcome> {
    const { directory, features } = this.deps;
    const app = await directory.app(request.app_id);
    let resolved: ResolvedUser | undefined;
    if (app && request.access_token) {
      // Watched before the lookup: a revocation from now on reaches this socket.
      const hash = tokenHash(request.access_token);
      this.watchToken(hash);
      await nextTurn();
      resolved = await directory.resolveTokenHash(app, hash);
      if (resolved) this.expireAt(resolved.expiresAt);
      else this.unwatchToken();
    }
    const origin = this.socket.handshake.headers.origin;
    const resolution = resolveAuth(request, { app, user: resolved?.user, origin }, (s) => features.get(s).needsUser);
    if (!resolution.ok) {
      if (resolution.error === "UNKNOWN_APP") this.clientError("unknownApp", request.app_id);
      else this.clientError("originNotAllowed", request.app_id, String(origin));
      this.unwatchToken();
      return resolution;
    }
    if (this.closed) return { ok: false, error: "INTERNAL_ERROR" };

    const info = this.sessionInfo(resolution.app, resolution.user, request.recover);
    const wanted = resolution.subscriptions.map((s) => features.get(s));
    const joins = await Promise.all(wanted.map(async (feature) => ({ feature, subscription: feature.subscription, reply: await this.join(feature, info) })));
    const joined = joins.filter((j) => j.reply.ok).map((j) => j.feature);
    let outcome: AuthOutcome;
    try {
      outcome = authResponse(resolution, joins);
      if (outcome.ok && !this.closed) await this.deps.relay.join(this.id, [...outcome.rooms, ...this.deps.appRooms(info.app, info.user)]);
    } catch (err) {
      await this.leave(info, joined);
      throw err;
    }

    // Checked again after the slow steps: the socket may have gone, or its token been revoked.
    if (!outcome.ok || this.closed) {
      this.unwatchToken();
      await this.leave(info, joined);
      return outcome.ok ? { ok: false, error: "INTERNAL_ERROR" } : outcome;
    }
    this.info = info;
    this.joined = joined;
    this.state = "authenticated";
    this.clearDeadline();
    return outcome;
  }

  /** Step: a client event other than `auth`. */
  clientEvent(event: string, route: { feature: Feature; handler: ClientEventHandler }, payload: unknown, callback: Callback): void {
    const info = this.identity;
    if (!info) {
      this.clientError("notAuthenticated", event);
      return callback("NOT_AUTHENTICATED");
    }
    if (!this.joined.includes(route.feature)) {
      this.clientError("notSubscribed", event, route.feature.subscription);
      return callback("NOT_SUBSCRIBED");
    }
    if (route.handler.needsUser && !info.user) {
      this.clientError("loginRequired", event);
      return callback("LOGIN_REQUIRED");
    }
    const parsed = route.handler.schema.safeParse(payload);
    if (!parsed.success) {
      this.clientError("invalid", event, parsed.error);
      return callback("INVALID_REQUEST");
    }
    route.handler.handle(info, parsed.data).then(
      (reply) => (reply.ok ? callback(null, reply.result) : callback(reply.error)),
      (err: unknown) => {
        info.log.error({ err, event }, "client event failed");
        callback("INTERNAL_ERROR");
      },
    );
  }

  /** Step: the socket's token was revoked or has expired (during auth too). */
  revoke(): void {
    if (this.state === "closed") return;
    this.clientError("tokenRevoked");
    this.socket.disconnect(true);
  }

  /** Step: the socket went away. Idempotent. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    const wasAuthenticated = this.state === "authenticated";
    this.state = "closed";
    this.clearDeadline();
    this.unwatchToken();
    this.deps.admission.closed?.(this.id);
    if (wasAuthenticated && this.info) await this.leave(this.info, this.joined);
  }

  private async join(feature: Feature, info: SessionInfo): Promise<RpcReply<FeatureJoin>> {
    try {
      return await feature.join(info);
    } catch (err) {
      info.log.error({ err, feature: feature.subscription }, "joining a feature failed");
      return { ok: false, error: "INTERNAL_ERROR" };
    }
  }

  private async leave(info: SessionInfo, features: readonly Feature[]): Promise<void> {
    if (this.deps.stopping()) return;
    await Promise.all(
      features.map((f) => f.leave?.(info).catch((err: unknown) => info.log.error({ err, feature: f.subscription }, "disconnect cleanup failed"))),
    );
  }

  private clearDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private authDeadlinePassed(): void {
    if (this.state === "authenticated" || this.state === "closed") return;
    this.clientError("authTimeout", this.deps.authTimeoutMs);
    this.socket.disconnect(true);
  }

  private watchToken(hash: string): void {
    this.unwatchToken();
    this.watchedToken = hash;
    this.deps.tokens.add(hash, this);
  }

  private unwatchToken(): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    if (this.watchedToken === undefined) return;
    this.deps.tokens.remove(this.watchedToken, this);
    this.watchedToken = undefined;
  }

  private expireAt(expiresAt: number | null): void {
    if (expiresAt === null) return;
    this.expiryTimer = setTimeout(() => this.revoke(), Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now())));
  }

  private sessionInfo(app: AppRecord, user: UserObject | undefined, recover: AuthRequest["recover"]): SessionInfo {
    return new Info(this.socket.id, app, user, recover, this.deps.log);
  }

  private clientError<R extends ClientErrorReason>(reason: R, ...args: Parameters<(typeof clientErrors)[R]>): void {
    this.emitClientError(reason, (clientErrors[reason] as (...a: typeof args) => string)(...args));
  }

  private emitClientError(reason: string, text: string): void {
    this.deps.counts.clientError(reason);
    this.socket.emit("client_error", text);
  }
}

/** A session's SessionInfo: a class, so the lazy logger costs no closure per socket. */
class Info implements SessionInfo {
  private logger: Logger | undefined;

  constructor(
    readonly socketId: string,
    readonly app: AppRecord,
    readonly user: UserObject | undefined,
    readonly recover: AuthRequest["recover"],
    private readonly parentLog: Logger,
  ) {}

  /** Created on first use: most sockets never log, and a child logger per socket costs. */
  get log(): Logger {
    return (this.logger ??= this.parentLog.child({ socket: this.socketId, app: this.app.id, auth_id: this.user?.auth_id }));
  }
}
