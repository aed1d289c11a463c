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
        .max(TEXT_MAX_LENGTH, { error: `text must be 1-${TEXT_MAX_LENGTH} chars long after trim` }),
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

export const ChatObject = z.object({
  messages: z.array(MessageObject),
  userlist: z.record(z.string(), UserObject),
});
export type ChatObject = z.infer<typeof ChatObject>;

export const UserJoined = UserObject;
export type UserJoined = z.infer<typeof UserJoined>;

export const UserLeft = z.object({ uname: z.string() });
export type UserLeft = z.infer<typeof UserLeft>;
