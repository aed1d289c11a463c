import { z } from "zod";
import { IsoDate, UserObject } from "./common";

export const DEFAULT_CHANNEL = "lobby";
export const CHANNEL_MAX_LENGTH = 40;
export const TEXT_MAX_LENGTH = 300;
export const HISTORY_LIMIT = 100;

export const Channel = z
  .string({ error: "channel must be a string" })
  .max(CHANNEL_MAX_LENGTH, { error: `channel cannot be more than ${CHANNEL_MAX_LENGTH} chars long` })
  .regex(/^[a-z0-9_:-]+$/, { error: "channel must only contain chars: a-z, 0-9, '_', '-', ':'" });

/** With the `u` flag a surrogate pair is one code point, so only a lone surrogate matches. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Client -> server `new_message` payload. Text is stored trimmed. */
export const NewMessageRequest = z.object({
  channel: z.preprocess((v) => (v === null || v === "" ? undefined : v), Channel.optional()).transform(
    (c) => c ?? DEFAULT_CHANNEL,
  ),
  text: z
    .string({ error: "text must be a string" })
    .transform((t) => t.trim())
    .pipe(
      z
        .string()
        .min(1, { error: "text must be 1-300 chars long after trim (it is empty)" })
        .max(TEXT_MAX_LENGTH, { error: `text must be 1-${TEXT_MAX_LENGTH} chars long after trim` })
        .refine((t) => !t.includes("\u0000"), { error: "text must not contain a NUL character (U+0000)" })
        .refine((t) => !LONE_SURROGATE.test(t), { error: "text must be well-formed Unicode (it has a lone surrogate)" }),
    ),
});
export type NewMessageRequest = z.infer<typeof NewMessageRequest>;

/**
 * A chat or system message. `user` is present on chat messages, absent on system messages.
 * `id` is a Socketpot addition (stable, increasing per app).
 */
export const MessageObject = z.object({
  id: z.number().int(),
  channel: z.string(),
  text: z.string(),
  created_at: IsoDate,
  user: UserObject.optional(),
});
export type MessageObject = z.infer<typeof MessageObject>;

/**
 * The users present in an app's chatroom, keyed by uname. Read and built with define
 * semantics (`Object.entries`/`Object.fromEntries`), so a user named `__proto__` is an entry
 * like any other: a record schema or a plain assignment would drop it.
 */
export const Userlist = z
  .preprocess(
    (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? Object.entries(v) : v),
    z.array(z.tuple([z.string(), UserObject])),
  )
  .transform((entries): Record<string, UserObject> => Object.fromEntries(entries));
export type Userlist = z.infer<typeof Userlist>;

export const ChatObject = z.object({
  messages: z.array(MessageObject),
  userlist: Userlist,
});
export type ChatObject = z.infer<typeof ChatObject>;

export const UserJoined = UserObject;
export type UserJoined = z.infer<typeof UserJoined>;

export const UserLeft = z.object({ uname: z.string() });
export type UserLeft = z.infer<typeof UserLeft>;
