/**
 * The server API (docs/API.md): each operation once, as an HTTP route under
 * `/v1/apps/:app_id/` and as a NATS request/reply subject, with the same schemas. The HTTP
 * request is `params`, `query` and `body`; the NATS request is one object of `app_id` and
 * the same fields (`natsRequest`). The OpenAPI document is generated from these schemas.
 */
import { z } from "zod";
import { AppId } from "../protocol/common";
import { Channel, MessageObject, NewMessageRequest } from "../protocol/chat";
import { AppEventData, AppEventName } from "../protocol/app-events";
import { ActingName, Uname } from "../upstream/directory";
import { HISTORY_PAGE_MAX, PresenceEntry } from "../internal/rpc";
import type { Names } from "../names";

export const ApiErrorCode = z.enum([
  "INVALID_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "PAYLOAD_TOO_LARGE",
  "RATE_LIMITED",
  "UNAVAILABLE",
  "INTERNAL_ERROR",
]);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

/** Every error answer: a code, a developer-friendly message, and the offending field for INVALID_REQUEST. */
export const ApiErrorBody = z.object({
  error: ApiErrorCode,
  message: z.string(),
  field: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** The HTTP status of each code. */
export const API_ERROR_STATUS: Record<ApiErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
};

/** An id from a path or query string (digits) or a NATS request (a number). */
const notANumber = { error: (i: { code: string }) => (i.code === "invalid_type" ? "must be an integer" : undefined) };
const IdParam = z.coerce
  .number(notANumber)
  .int({ error: "must be an integer" })
  .positive({ error: "must be a positive integer" })
  .max(Number.MAX_SAFE_INTEGER, { error: "must be a safe integer" });

/** The chat client's rules for text (1-300 chars after trim, no NUL, well-formed), with their messages. */
const MessageText = z
  .string({ error: "text must be a string" })
  .max(10_000)
  .superRefine((text, ctx) => {
    const checked = NewMessageRequest.shape.text.safeParse(text);
    if (!checked.success) ctx.addIssue({ code: "custom", message: checked.error.issues[0]?.message ?? "invalid text" });
    else if (checked.data.startsWith("/")) ctx.addIssue({ code: "custom", message: "text must not be a command: use POST mutes and DELETE mutes/{uname}" });
  });

export const AppParams = z.object({ app_id: IdParam });

export const PostMessageBody = z.object({
  text: MessageText,
  /** Default "lobby". */
  channel: Channel.optional(),
  /** "system": a system message (no `user`); absent: a message of the app owner. */
  as: z.literal("system").optional(),
});

export const HistoryQuery = z.object({
  /** Messages older than this id; absent: the latest. */
  before_id: IdParam.optional(),
  limit: z.coerce
    .number(notANumber)
    .int({ error: "must be an integer" })
    .min(1, { error: `must be 1-${HISTORY_PAGE_MAX}` })
    .max(HISTORY_PAGE_MAX, { error: `must be 1-${HISTORY_PAGE_MAX}` })
    .default(HISTORY_PAGE_MAX),
});

export const MuteBody = z.object({
  uname: Uname,
  /** "10m", "10 mins", "2h", "1d", "45s", or seconds; absent: the default mute. */
  duration: z.union([z.string().max(40), z.number().int().positive()]).optional(),
  /** Who the system message names as the actor; default the key's acting name, else the owner's uname. */
  acting_name: ActingName.optional(),
  channel: Channel.optional(),
});

export const UnmuteParams = AppParams.extend({ uname: Uname });
export const UnmuteQuery = z.object({ acting_name: ActingName.optional(), channel: Channel.optional() });

export const DisconnectParams = AppParams.extend({ auth_id: IdParam });
export const DisconnectBody = z.object({
  /** Shown to the user's sockets in their `client_error`. */
  reason: z.string().min(1).max(200).optional(),
});

export const AppEventBody = z.object({
  name: AppEventName,
  /** Any JSON value, at most 16 KiB encoded. */
  data: AppEventData,
  /** One user's sockets in the app; absent: every socket of the app. */
  auth_id: IdParam.optional(),
});

export const MessageResult = z.object({ message: MessageObject });
export const MessagesResult = z.object({ messages: z.array(MessageObject) });
export const PresenceResult = z.object({ users: z.array(PresenceEntry) });
export const SentResult = z.object({ sent: z.literal(true) });

type Method = "GET" | "POST" | "DELETE";

/**
 * The NATS request of an operation: the fields of its params, query and body in one object,
 * with `app_id` a number. Values a path or query string carries as text are coerced the same way.
 */
function natsRequest<P extends z.ZodRawShape, Q extends z.ZodRawShape = {}, B extends z.ZodRawShape = {}>(params: z.ZodObject<P>, query?: z.ZodObject<Q>, body?: z.ZodObject<B>) {
  return z.object({ ...params.shape, ...(query?.shape ?? ({} as Q)), ...(body?.shape ?? ({} as B)), app_id: AppId });
}

interface OperationSpec<P extends z.ZodRawShape, Q extends z.ZodRawShape, B extends z.ZodRawShape, R extends z.ZodType> {
  method: Method;
  /** Fastify route syntax (`:param`), under `/v1/apps/:app_id`. */
  path: string;
  subject: string;
  summary: string;
  /** Success status. */
  status: 200 | 201 | 202;
  params: z.ZodObject<P>;
  query?: z.ZodObject<Q>;
  body?: z.ZodObject<B>;
  result: R;
}

function operation<P extends z.ZodRawShape, R extends z.ZodType, Q extends z.ZodRawShape = {}, B extends z.ZodRawShape = {}>(spec: OperationSpec<P, Q, B, R>) {
  return { ...spec, path: `/v1/apps/:app_id${spec.path}`, request: natsRequest(spec.params, spec.query, spec.body) };
}

/** What HTTP routes and NATS endpoints read of any operation. */
export interface ApiOperation {
  method: Method;
  path: string;
  subject: string;
  summary: string;
  status: 200 | 201 | 202;
  params: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodObject;
  result: z.ZodType;
  /** The NATS request: params, query and body fields in one object. */
  request: z.ZodObject;
}

export function apiCatalogue(names: Names) {
  const catalogue = {
    chatPost: operation({
      method: "POST", path: "/chat/messages", subject: names.api.chatPost, status: 201, params: AppParams, body: PostMessageBody, result: MessageResult,
      summary: "Post a chat message as the app owner, or a system message (as: \"system\"); broadcast like any message",
    }),
    chatHistory: operation({
      method: "GET", path: "/chat/messages", subject: names.api.chatHistory, status: 200, params: AppParams, query: HistoryQuery, result: MessagesResult,
      summary: "Chat history, oldest first, paged with before_id",
    }),
    mute: operation({
      method: "POST", path: "/mutes", subject: names.api.mute, status: 201, params: AppParams, body: MuteBody, result: MessageResult,
      summary: "Mute a user, with the rules and system message of /mute",
    }),
    unmute: operation({
      method: "DELETE", path: "/mutes/:uname", subject: names.api.unmute, status: 200, params: UnmuteParams, query: UnmuteQuery, result: MessageResult,
      summary: "Unmute a user, with the system message of /unmute",
    }),
    presence: operation({
      method: "GET", path: "/presence", subject: names.api.presence, status: 200, params: AppParams, result: PresenceResult,
      summary: "The chat userlist with each user's number of chat sockets, across gateways",
    }),
    disconnect: operation({
      method: "POST", path: "/users/:auth_id/disconnect", subject: names.api.disconnect, status: 202, params: DisconnectParams, body: DisconnectBody, result: SentResult,
      summary: "Tell every socket of the user in the app why (client_error) and disconnect it, on every gateway",
    }),
    events: operation({
      method: "POST", path: "/events", subject: names.api.events, status: 202, params: AppParams, body: AppEventBody, result: SentResult,
      summary: "Send app_event {name, data} to one user's sockets in the app, or to all of the app's sockets",
    }),
  };
  return catalogue satisfies Record<string, ApiOperation>;
}
export type ApiCatalogue = ReturnType<typeof apiCatalogue>;
export type ApiOperationName = keyof ApiCatalogue;

/** The NATS reply of an operation: its result, or an error body. */
export function natsReply<T extends z.ZodType>(result: T) {
  return z.discriminatedUnion("ok", [z.object({ ok: z.literal(true), result }), ApiErrorBody.extend({ ok: z.literal(false) })]);
}
