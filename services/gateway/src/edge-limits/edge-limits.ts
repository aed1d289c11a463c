/**
 * Edge limits (the gateway's EventAdmission): every client event is checked against its
 * socket's and its user's budgets before the gateway does any work for it. Per socket and per
 * user (auth_id, all of that user's sockets on this gateway): events per second and bytes per
 * second (token buckets) and concurrent pending requests (admitted, not yet answered). An
 * event over any budget is refused with RATE_LIMITED and takes nothing from the others. A
 * socket that keeps sending far over its budgets (`disconnectAfter` refusals per second,
 * sustained) is disconnected: refusing costs the gateway too. A budget that has refilled
 * (nothing pending, every bucket full, no recent notice) says nothing a fresh one would not:
 * it is forgotten, so an idle socket or user holds none. Pure: no timers, no network; the
 * clock is passed in.
 */
import type { Admission, AdmissionRequest, EventAdmission } from "../event-admission";
import { TokenBucket } from "./token-bucket";

/** `perSecond: 0` turns the limit off. */
export interface RateLimit {
  perSecond: number;
  burst: number;
}

export interface ScopeLimits {
  events: RateLimit;
  bytes: RateLimit;
  /** Concurrent unanswered events; 0 turns the limit off. */
  pending: number;
}

export interface EdgeLimitSettings {
  socket: ScopeLimits;
  user: ScopeLimits;
  /** Refusals per second (and in a burst) after which a socket is disconnected; perSecond 0: never. */
  disconnectAfter: RateLimit;
}

export type LimitScope = "socket" | "user";
export type LimitKind = "events" | "bytes" | "pending";
export interface Refusal {
  scope: LimitScope;
  limit: LimitKind;
}

/** A refused socket is told why in a client_error at most this often; other refusals only get RATE_LIMITED. */
export const NOTICE_EVERY_MS = 1_000;
/** Each event, answer and close looks at this many sockets and idle users, forgetting those whose budgets refilled. */
const SWEEP_EACH = 4;

class Budget {
  readonly events: TokenBucket | undefined;
  readonly bytes: TokenBucket | undefined;
  pending = 0;

  constructor(
    readonly limits: ScopeLimits,
    now: number,
  ) {
    this.events = limits.events.perSecond > 0 ? new TokenBucket(limits.events.perSecond, limits.events.burst, now) : undefined;
    this.bytes = limits.bytes.perSecond > 0 ? new TokenBucket(limits.bytes.perSecond, limits.bytes.burst, now) : undefined;
  }

  refusal(bytes: number, now: number): LimitKind | undefined {
    if (this.limits.pending > 0 && this.pending >= this.limits.pending) return "pending";
    if (this.events && !this.events.allows(1, now)) return "events";
    if (this.bytes && !this.bytes.allows(bytes, now)) return "bytes";
    return undefined;
  }

  take(bytes: number): void {
    this.events?.take(1);
    this.bytes?.take(bytes);
    this.pending++;
  }

  /** Nothing pending and every bucket full: forgetting it changes nothing. */
  settled(now: number): boolean {
    return this.pending === 0 && (this.events?.full(now) ?? true) && (this.bytes?.full(now) ?? true);
  }
}

class UserBudget extends Budget {
  sockets = 0;

  constructor(
    readonly authId: number,
    limits: ScopeLimits,
    now: number,
  ) {
    super(limits, now);
  }
}

interface SocketBudget {
  own: Budget;
  user: UserBudget | undefined;
  noticeAt: number;
  /** Each refusal takes one; empty: the socket is disconnected. */
  refusals: TokenBucket | undefined;
}

function settled(socket: SocketBudget, now: number): boolean {
  return socket.own.settled(now) && (socket.refusals?.full(now) ?? true) && now - socket.noticeAt >= NOTICE_EVERY_MS;
}

export class EdgeLimits implements EventAdmission {
  /** Sockets with a budget, those not looked at for longest first. */
  private readonly sockets = new Map<string, SocketBudget>();
  private readonly users = new Map<number, UserBudget>();
  /** Users whose last socket closed, oldest first: forgotten once their budgets refilled. */
  private readonly idle = new Map<number, UserBudget>();
  private readonly refusals = new Map<string, number>();
  /** Sockets disconnected for flooding since start. */
  disconnects = 0;

  constructor(
    readonly settings: EdgeLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  admit(request: AdmissionRequest): Admission {
    const now = this.now();
    this.sweep(now);
    const socket = this.socket(request.socketId, now);
    if (request.authId !== undefined && socket.user === undefined) socket.user = this.attach(request.authId, now);
    const { own, user } = socket;
    const refusal = refusalOf("socket", own.refusal(request.bytes, now)) ?? (user && refusalOf("user", user.refusal(request.bytes, now)));
    if (refusal) {
      const key = `${refusal.scope}:${refusal.limit}`;
      this.refusals.set(key, (this.refusals.get(key) ?? 0) + 1);
      if (socket.refusals && !socket.refusals.allows(1, now)) {
        this.disconnects++;
        return { ok: false, error: "RATE_LIMITED", text: disconnectText(this.settings), disconnect: true };
      }
      socket.refusals?.take(1);
      const notify = now - socket.noticeAt >= NOTICE_EVERY_MS;
      if (notify) socket.noticeAt = now;
      return { ok: false, error: "RATE_LIMITED", text: notify ? refusalText(refusal, this.settings) : undefined };
    }
    own.take(request.bytes);
    user?.take(request.bytes);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        own.pending--;
        if (user) user.pending--;
        this.sweep(this.now());
      },
    };
  }

  closed(socketId: string): void {
    this.forget(socketId);
    this.sweep(this.now());
  }

  /** Refused events by scope and limit since start (for /metrics). */
  refused(): Array<[Refusal, number]> {
    return [...this.refusals].map(([key, n]) => {
      const [scope, limit] = key.split(":") as [LimitScope, LimitKind];
      return [{ scope, limit }, n];
    });
  }

  /** Sockets and users with budgets held now. */
  get tracked(): { sockets: number; users: number } {
    return { sockets: this.sockets.size, users: this.users.size };
  }

  private socket(socketId: string, now: number): SocketBudget {
    let socket = this.sockets.get(socketId);
    if (!socket) {
      const { perSecond, burst } = this.settings.disconnectAfter;
      socket = {
        own: new Budget(this.settings.socket, now),
        user: undefined,
        noticeAt: -Infinity,
        refusals: perSecond > 0 ? new TokenBucket(perSecond, burst, now) : undefined,
      };
      this.sockets.set(socketId, socket);
    }
    return socket;
  }

  private attach(authId: number, now: number): UserBudget {
    let user = this.users.get(authId);
    if (!user) {
      user = new UserBudget(authId, this.settings.user, now);
      this.users.set(authId, user);
    }
    this.idle.delete(authId);
    user.sockets++;
    return user;
  }

  private forget(socketId: string): void {
    const socket = this.sockets.get(socketId);
    if (!socket) return;
    this.sockets.delete(socketId);
    if (socket.user && --socket.user.sockets === 0) this.idle.set(socket.user.authId, socket.user);
  }

  /** The sockets looked at longest ago, each forgotten when settled, else looked at again later; then idle users. */
  private sweep(now: number): void {
    let looked = 0;
    for (const [socketId, socket] of this.sockets) {
      if (looked++ >= SWEEP_EACH) break;
      if (settled(socket, now)) {
        this.forget(socketId);
      } else {
        // Still refilling: looked at again after the others.
        this.sockets.delete(socketId);
        this.sockets.set(socketId, socket);
      }
    }
    this.sweepUsers(now);
  }

  private sweepUsers(now: number): void {
    let looked = 0;
    for (const [authId, user] of this.idle) {
      if (looked++ >= SWEEP_EACH) return;
      if (user.sockets > 0) {
        this.idle.delete(authId);
      } else if (user.settled(now)) {
        this.idle.delete(authId);
        this.users.delete(authId);
      } else {
        return;
      }
    }
  }
}

function refusalOf(scope: LimitScope, limit: LimitKind | undefined): Refusal | undefined {
  return limit === undefined ? undefined : { scope, limit };
}

/** The client_error text: which limit, its value, and what to do. */
export function refusalText({ scope, limit }: Refusal, settings: EdgeLimitSettings): string {
  const where = scope === "socket" ? "per connection" : "per user, across all of that user's connections";
  const l = settings[scope];
  const what =
    limit === "events"
      ? `Too many events: at most ${l.events.perSecond} per second (bursts of ${l.events.burst}) ${where}.`
      : limit === "bytes"
        ? `Too much data: at most ${l.bytes.perSecond} bytes per second (bursts of ${l.bytes.burst}) ${where}.`
        : `Too many unanswered events: at most ${l.pending} at once ${where}; wait for their callbacks.`;
  return `${what} Events over the limit are refused with RATE_LIMITED; slow down.`;
}

export function disconnectText({ disconnectAfter }: EdgeLimitSettings): string {
  return `Disconnecting: more than ${disconnectAfter.perSecond} events per second (bursts of ${disconnectAfter.burst}) over the limits. Respect RATE_LIMITED before reconnecting.`;
}
