import { z } from "zod";
import { AppId, Subscription, UserObject, describe } from "./common";
import { ChatObject } from "./chat";
import { NewBet } from "./bets";
import { DepositsRecover, DepositsSnapshot } from "./deposits";

export const ACCESS_TOKEN_MAX_LENGTH = 128;

export const AuthRequest = z.object(
  {
    app_id: AppId,
    subscriptions: z
      .array(Subscription, {
        error: (i) =>
          i.code === "invalid_type"
            ? `subscriptions must be an array of "CHAT" | "DEPOSITS" | "BETS", got ${describe(i.input)}`
            : undefined,
      })
      .min(1, { error: 'subscriptions must include one or more of "CHAT", "DEPOSITS", "BETS"' })
      .transform((subs) => [...new Set(subs)]),
    access_token: z
      .preprocess(
        (v) => (v === null ? undefined : v),
        z.string({ error: "access_token must be a string (a UUID) when present" }).max(ACCESS_TOKEN_MAX_LENGTH).optional(),
      ),
    /** Socketpot addition: replay what the socket missed (see DepositsRecover). */
    recover: DepositsRecover.optional(),
  },
  { error: (i) => `the auth request must be an object, got ${describe(i.input)}` },
);
export type AuthRequest = z.infer<typeof AuthRequest>;

export const AuthResponse = z.object({
  user: UserObject.optional(),
  chat: ChatObject.optional(),
  subscriptions: z.array(Subscription),
  /** Socketpot addition: the app's recent interesting bets, newest last (BETS subscribers). */
  bets: z.array(NewBet).optional(),
  /** Socketpot addition: the deposits snapshot (DEPOSITS subscribers). */
  deposits: DepositsSnapshot.optional(),
});
export type AuthResponse = z.infer<typeof AuthResponse>;

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
