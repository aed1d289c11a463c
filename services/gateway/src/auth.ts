/**
 * The pure core of auth: what a socket gets for its request, given what the directory said
 * (resolveAuth), and the response once its features have joined (authResponse). No socket,
 * no network: Session does the I/O around these.
 */
import type { AppRecord, AuthRequest, AuthResponse, ErrorCode, RpcReply, Subscription, UserObject } from "@socketpot/contracts";
import type { FanoutRoom } from "./relay/fanout-relay";
import type { FeatureJoin } from "./features/feature";

/** The directory's answers for one auth request. */
export interface DirectoryAnswers {
  /** The app of `request.app_id`, undefined when there is none. */
  app: AppRecord | undefined;
  /** The user the request's access_token stands for in that app (undefined: no token, or not a valid one). */
  user: UserObject | undefined;
  /** The handshake's Origin header: the page of a browser socket, undefined for other clients. */
  origin?: string | undefined;
}

export type AuthResolution =
  | {
      ok: true;
      app: AppRecord;
      user?: UserObject;
      /** The subscriptions to set up, in the order asked for. */
      subscriptions: Subscription[];
    }
  | { ok: false; error: Extract<ErrorCode, "UNKNOWN_APP" | "FORBIDDEN"> };

/**
 * Who the socket is and what it may subscribe to: an unknown app fails the auth, and so
 * does a browser page the app does not allow (`allowed_origins`; a client that sends no
 * Origin is no browser page and is not refused); an unknown, revoked, expired or other
 * app's token is no error but gives no user, and subscriptions that need a user
 * (`needsUser`) are then dropped.
 */
export function resolveAuth(request: AuthRequest, answers: DirectoryAnswers, needsUser: (s: Subscription) => boolean): AuthResolution {
  if (!answers.app) return { ok: false, error: "UNKNOWN_APP" };
  if (!originAllowed(answers.app, answers.origin)) return { ok: false, error: "FORBIDDEN" };
  const user = answers.user;
  const subscriptions = request.subscriptions.filter((s) => user !== undefined || !needsUser(s));
  return user ? { ok: true, app: answers.app, user, subscriptions } : { ok: true, app: answers.app, subscriptions };
}

function originAllowed(app: AppRecord, origin: string | undefined): boolean {
  return !app.allowed_origins || origin === undefined || app.allowed_origins.includes(origin.toLowerCase());
}

export type AuthOutcome =
  | { ok: true; response: AuthResponse; rooms: FanoutRoom[]; granted: Subscription[] }
  | { ok: false; error: ErrorCode };

/** The auth response from each subscription's join, in order; the first failed join fails the auth. */
export function authResponse(
  resolution: Extract<AuthResolution, { ok: true }>,
  joins: ReadonlyArray<{ subscription: Subscription; reply: RpcReply<FeatureJoin> }>,
): AuthOutcome {
  const failed = joins.find((j) => !j.reply.ok);
  if (failed && !failed.reply.ok) return { ok: false, error: failed.reply.error };
  const response: AuthResponse = { subscriptions: [] };
  if (resolution.user) response.user = resolution.user;
  const rooms: FanoutRoom[] = [];
  for (const { subscription, reply } of joins) {
    if (!reply.ok) continue;
    response.subscriptions.push(subscription);
    Object.assign(response, reply.result.response);
    rooms.push(...reply.result.rooms);
  }
  return { ok: true, response, rooms, granted: response.subscriptions };
}
