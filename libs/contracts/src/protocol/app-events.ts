/**
 * `app_event`: an app's own event, sent by its backend through the server API (docs/API.md)
 * to one user's sockets in the app or to all of them. A Socketpot addition to the protocol.
 */
import { z } from "zod";

export const APP_EVENT_NAME_MAX_LENGTH = 40;
/** The largest `data`, as UTF-8 bytes of its JSON encoding. */
export const APP_EVENT_DATA_MAX_BYTES = 16 * 1024;
/** Levels of arrays and objects `data` may nest (a deeper value would overflow recursive encoders). */
export const APP_EVENT_DATA_MAX_DEPTH = 32;
/** Marks the issue of a `data` too large (the HTTP API answers it with 413). */
export const TOO_LARGE = { too_large: true } as const;

/** The channel charset: a-z, 0-9, '_', '-', ':', at most 40 chars. */
export const AppEventName = z
  .string({ error: "name must be a string" })
  .min(1, { error: "name must not be empty" })
  .max(APP_EVENT_NAME_MAX_LENGTH, { error: `name cannot be more than ${APP_EVENT_NAME_MAX_LENGTH} chars long` })
  .regex(/^[a-z0-9_:-]+$/, { error: "name must only contain chars: a-z, 0-9, '_', '-', ':'" });

/** Levels of nesting of a parsed JSON value, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (level > APP_EVENT_DATA_MAX_DEPTH) return level;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, level]);
  }
  return deepest;
}

/** UTF-8 bytes of the value's JSON encoding. */
export function dataBytes(data: unknown): number {
  return Buffer.byteLength(JSON.stringify(data) ?? "", "utf8");
}

/** Any JSON value, at most 16 KiB encoded and 32 levels deep. Required (undefined is refused). */
export const AppEventData = z.unknown().superRefine((data, ctx) => {
  if (data === undefined) return void ctx.addIssue({ code: "custom", message: "data is required (any JSON value)" });
  if (depthOf(data) > APP_EVENT_DATA_MAX_DEPTH) {
    return void ctx.addIssue({ code: "custom", message: `data must nest at most ${APP_EVENT_DATA_MAX_DEPTH} levels` });
  }
  if (dataBytes(data) > APP_EVENT_DATA_MAX_BYTES) {
    ctx.addIssue({ code: "custom", message: `data must be at most ${APP_EVENT_DATA_MAX_BYTES} bytes of JSON`, params: TOO_LARGE });
  }
});

export const AppEvent = z.object({ name: AppEventName, data: AppEventData });
export type AppEvent = z.infer<typeof AppEvent>;
