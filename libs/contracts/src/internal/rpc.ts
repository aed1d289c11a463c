/**
 * Request/reply between gateways and services. Each entry names its subject (from
 * `Names`), request schema and result schema; replies are wrapped in `RpcReply`.
 */
import { z } from "zod";
import { AppId, UserObject } from "../protocol/common";
import { ChatObject, MessageObject } from "../protocol/chat";
import { NewBet } from "../protocol/bets";
import { ErrorCode } from "../protocol/errors";
import { Uname } from "../upstream/directory";
import type { Names } from "../names";

export const GatewayId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
export const SocketId = z.string().min(1).max(64);

export const ChatJoinRequest = z.object({
  app_id: AppId,
  gateway_id: GatewayId,
  socket_id: SocketId,
  /** Absent for anonymous sockets: they read history but are not in the userlist. */
  user: UserObject.optional(),
});
export const ChatJoinResult = z.object({ chat: ChatObject });

export const ChatPostRequest = z.object({
  app_id: AppId,
  user: UserObject,
  channel: z.string(),
  text: z.string(),
});
export const ChatPostResult = z.object({ message: MessageObject });

export const ChatLeaveRequest = z.object({
  app_id: AppId,
  gateway_id: GatewayId,
  socket_id: SocketId,
  user: UserObject,
});
export const ChatLeaveResult = z.object({});

/** A message of the app's backend (server API): a system message without `user`. Not a command; no flood control. */
export const ChatAppPostRequest = z.object({
  app_id: AppId,
  channel: z.string(),
  text: z.string(),
  user: UserObject.optional(),
});

/** The most messages one history page holds. */
export const HISTORY_PAGE_MAX = 100;
/** Messages older than `before_id` (absent: the latest), oldest first. */
export const ChatHistoryRequest = z.object({
  app_id: AppId,
  before_id: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(HISTORY_PAGE_MAX),
});
export const ChatHistoryResult = z.object({ messages: z.array(MessageObject) });

/**
 * `/mute` and `/unmute` by the app's backend: the rules and system messages of the commands,
 * with the actor the app owner (auth_id) shown as `actor.uname`. `duration` is a command's
 * duration ("10m", "10 mins") or seconds; absent, the default mute.
 */
export const ChatModerateRequest = z.object({
  app_id: AppId,
  action: z.enum(["mute", "unmute"]),
  uname: z.string().max(64),
  duration: z.union([z.string().max(40), z.number().int().positive()]).optional(),
  actor: z.object({ auth_id: AppId, uname: Uname }),
  channel: z.string().optional(),
});

/** A user of the chat userlist with the number of their chat sockets, across gateways. */
export const PresenceEntry = UserObject.extend({ sockets: z.number().int().nonnegative() });
export type PresenceEntry = z.infer<typeof PresenceEntry>;
export const ChatPresenceRequest = z.object({ app_id: AppId });
export const ChatPresenceResult = z.object({ users: z.array(PresenceEntry) });

export const BetsRecentRequest = z.object({ app_id: AppId });
/**
 * `limit`: how many recent bets bet-stream keeps per app, so a gateway that appends the
 * bets it relays keeps as many (absent from older replicas: then DEFAULT_RECENT_BETS).
 */
export const BetsRecentResult = z.object({ bets: z.array(NewBet), limit: z.number().int().min(0).optional() });
export const DEFAULT_RECENT_BETS = 20;

export function rpcCatalogue(names: Names) {
  return {
    chatJoin: { subject: names.rpc.chatJoin, request: ChatJoinRequest, result: ChatJoinResult },
    chatPost: { subject: names.rpc.chatPost, request: ChatPostRequest, result: ChatPostResult },
    chatLeave: { subject: names.rpc.chatLeave, request: ChatLeaveRequest, result: ChatLeaveResult },
    chatAppPost: { subject: names.rpc.chatAppPost, request: ChatAppPostRequest, result: ChatPostResult },
    chatHistory: { subject: names.rpc.chatHistory, request: ChatHistoryRequest, result: ChatHistoryResult },
    chatModerate: { subject: names.rpc.chatModerate, request: ChatModerateRequest, result: ChatPostResult },
    chatPresence: { subject: names.rpc.chatPresence, request: ChatPresenceRequest, result: ChatPresenceResult },
    // Only the bet-stream replica holding the app answers; nobody does during a handover.
    betsRecent: { subject: names.rpc.betsRecent, request: BetsRecentRequest, result: BetsRecentResult, waitForResponder: false },
  } as const;
}
export type RpcCatalogue = ReturnType<typeof rpcCatalogue>;

/** Every reply is either `{ ok: true, result }` or `{ ok: false, error }` with a client-safe code. */
export function RpcReply<T extends z.ZodType>(result: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ok: z.literal(true), result }),
    z.object({ ok: z.literal(false), error: ErrorCode, detail: z.string().max(500).optional() }),
  ]);
}
export type RpcReply<T> = { ok: true; result: T } | { ok: false; error: ErrorCode; detail?: string };

/**
 * NATS header every request carries: the time (Unix epoch milliseconds) after which the
 * requester no longer waits for the reply. A server does not start work for a request past
 * it, so a caller told "failed" at its timeout is never acted on later. Absolute, so the time
 * a request waits in a paused or busy server counts; the hosts' clocks are assumed in sync
 * (NTP), and a skew shifts the cut-off by as much.
 */
export const RPC_DEADLINE_HEADER = "Socketpot-Deadline";

/** The deadline a request's header carries; undefined when absent or not a positive integer. */
export function parseRpcDeadline(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,15}$/.test(value)) return undefined;
  const ms = Number(value);
  return Number.isSafeInteger(ms) ? ms : undefined;
}
