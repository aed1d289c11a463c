/**
 * Every NATS subject, JetStream stream and KV bucket name Socketpot uses, rooted at one
 * namespace so that several deployments (or test runs) can share a NATS server.
 *
 * Subject tokens are only ever built from validated integers or hex digests, never from
 * user text: a uname containing `.` or `*` must not be able to reach a subject.
 */
import { z } from "zod";

export const Namespace = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,48}$/, "namespace must be 1-48 chars of A-Z a-z 0-9 _ -");

export const DEFAULT_NAMESPACE = "socketpot";

function idToken(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${what} must be a non-negative safe integer, got ${String(value)}`);
  }
  return String(value);
}

/**
 * The tokens joined by ".": one flat string. A template literal builds a tree of
 * concatenations, and every Map or Set holding the subject keeps that tree (a gateway holds
 * each user's room names for as long as the user's sockets stay).
 */
function subjectOf(...tokens: string[]): string {
  return tokens.join(".");
}

function hexToken(value: string, what: string): string {
  if (!/^[0-9a-f]{1,128}$/.test(value)) throw new TypeError(`${what} must be lowercase hex`);
  return value;
}

/**
 * The id `subject` holds in `[start, end)` when that is a canonical positive safe integer
 * (no sign, no leading zero), else 0. Allocates nothing: bet-stream runs it on every bet.
 */
function idAt(subject: string, start: number, end: number): number {
  if (end - start < 1 || end - start > 16) return 0;
  let id = 0;
  for (let i = start; i < end; i++) {
    const c = subject.charCodeAt(i) - 48;
    if (c < 0 || c > 9 || (c === 0 && i === start)) return 0;
    id = id * 10 + c;
  }
  return Number.isSafeInteger(id) ? id : 0;
}

function nameToken(value: string, what: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(value)) throw new TypeError(`${what} must match [A-Za-z0-9_-]{1,64}`);
  return value;
}

export type Names = ReturnType<typeof createNames>;

export function createNames(namespace: string = DEFAULT_NAMESPACE) {
  const ns = Namespace.parse(namespace);
  const betsPrefix = `${ns}.bets.`;
  const walletPrefix = `${ns}.wallet.`;
  return {
    namespace: ns,
    /** JetStream KV bucket holding apps, users, staff and hashed access tokens. */
    directoryBucket: `${ns}_directory`,
    /** JetStream KV bucket holding wallet-watcher's per-user deposit ledgers. */
    depositLedgerBucket: `${ns}_wallet`,

    /** Internal request/reply subjects served by services (queue groups). */
    rpc: {
      chatJoin: `${ns}.rpc.chat.join`,
      chatPost: `${ns}.rpc.chat.post`,
      chatLeave: `${ns}.rpc.chat.leave`,
      /** The server API's chat operations (services/api -> chat). */
      chatAppPost: `${ns}.rpc.chat.app-post`,
      chatHistory: `${ns}.rpc.chat.history`,
      chatModerate: `${ns}.rpc.chat.moderate`,
      chatPresence: `${ns}.rpc.chat.presence`,
      betsRecent: `${ns}.rpc.bets.recent`,
    },

    /** The server API on NATS (docs/API.md): the HTTP API's operations as request/reply subjects. */
    api: {
      chatPost: `${ns}.api.chat.post`,
      chatHistory: `${ns}.api.chat.history`,
      mute: `${ns}.api.mutes.add`,
      unmute: `${ns}.api.mutes.remove`,
      presence: `${ns}.api.presence`,
      disconnect: `${ns}.api.users.disconnect`,
      events: `${ns}.api.events`,
    },

    /** Gateway liveness. */
    gateway: {
      heartbeat: `${ns}.gateway.heartbeat`,
      goodbye: `${ns}.gateway.goodbye`,
    },

    /** Events services publish for gateways, one subject per socket.io room. */
    fanout: {
      all: `${ns}.out.>`,
      chat: (appId: number) => `${ns}.out.chat.${idToken(appId, "app_id")}`,
      deposits: (appId: number, authId: number) => subjectOf(ns, "out.deposits", idToken(appId, "app_id"), idToken(authId, "auth_id")),
      /** Every deposit subject: the stream that keeps recent notifications for replay. */
      depositsAll: `${ns}.out.deposits.>`,
      depositsStream: `${ns}_DEPOSITS`,
      /** Every user's deposit subject of one app (a gateway subscribes once per app). */
      depositsOfApp: (appId: number) => `${ns}.out.deposits.${idToken(appId, "app_id")}.*`,
      bets: (appId: number) => `${ns}.out.bets.${idToken(appId, "app_id")}`,
      /** Every socket of an app (server API events). */
      app: (appId: number) => `${ns}.out.app.${idToken(appId, "app_id")}`,
      /** Every socket of one user in an app (server API events and disconnects). */
      appUser: (appId: number, authId: number) => subjectOf(ns, "out.appuser", idToken(appId, "app_id"), idToken(authId, "auth_id")),
      /** Every user's subject of one app (a gateway subscribes once per app). */
      appUsersOf: (appId: number) => `${ns}.out.appuser.${idToken(appId, "app_id")}.*`,
      /** `bets(id)` is `betsPrefix + id`: a publisher of many apps builds subjects without checks. */
      betsPrefix: `${ns}.out.bets.`,
    },

    /** What other Moneypot services publish. */
    upstream: {
      walletStream: `${ns}_WALLET`,
      walletAll: `${ns}.wallet.>`,
      wallet: (appId: number, authId: number) =>
        `${ns}.wallet.${idToken(appId, "app_id")}.${idToken(authId, "auth_id")}`,
      walletDeadLetterStream: `${ns}_WALLET_DLQ`,
      walletDeadLetter: `${ns}.wallet-dlq`,
      /** The app and user of a `wallet(app_id, auth_id)` subject, or null for any other subject. */
      parseWallet: (subject: string): { app_id: number; auth_id: number } | null => {
        if (!subject.startsWith(walletPrefix)) return null;
        const dot = subject.indexOf(".", walletPrefix.length);
        if (dot < 0) return null;
        const appId = idAt(subject, walletPrefix.length, dot);
        const authId = idAt(subject, dot + 1, subject.length);
        return appId > 0 && authId > 0 ? { app_id: appId, auth_id: authId } : null;
      },
      betsAll: `${ns}.bets.*`,
      bets: (appId: number) => `${ns}.bets.${idToken(appId, "app_id")}`,
      /** The app id of a `bets(app_id)` subject, or 0 for any other subject (allocation-free). */
      parseBets: (subject: string): number =>
        subject.startsWith(betsPrefix) ? idAt(subject, betsPrefix.length, subject.length) : 0,
    },

    /** Build a name for a KV bucket or durable consumer owned by one service. */
    bucket: (purpose: string) => `${ns}_${nameToken(purpose, "bucket purpose")}`,
    durable: (purpose: string) => `${ns}_${nameToken(purpose, "durable purpose")}`,
    hexToken: (value: string) => hexToken(value, "token"),
  } as const;
}
