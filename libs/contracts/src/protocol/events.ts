import type { ErrorCode } from "./errors";
import type { AuthRequest, AuthResponse } from "./auth";
import type { MessageObject, UserJoined, UserLeft } from "./chat";
import type { BalanceChange } from "./deposits";
import type { NewBet } from "./bets";
import type { AppEvent } from "./app-events";
import type { z } from "zod";
import type { NewMessageRequest } from "./chat";

/** Callbacks receive an error code, or `null` and a result. */
export type Callback<T> = (err: ErrorCode | null, result?: T) => void;

/** What a client may emit (typed for socket.io-client 4.x users). */
export interface ClientToServerEvents {
  auth: (request: z.input<typeof AuthRequest>, callback: Callback<AuthResponse>) => void;
  new_message: (request: z.input<typeof NewMessageRequest>, callback: Callback<MessageObject>) => void;
}

/** What Socketpot emits to a client. */
export interface ServerToClientEvents {
  client_error: (text: string) => void;
  new_message: (message: MessageObject) => void;
  user_joined: (user: UserJoined) => void;
  user_left: (user: UserLeft) => void;
  unconfirmed_balance_change: (change: BalanceChange) => void;
  balance_change: (change: BalanceChange) => void;
  confirmed_deposit_change: (change: BalanceChange) => void;
  new_bet: (bet: NewBet) => void;
  /** Socketpot addition: an event of the app's backend (server API `POST events`), to any socket of the app. */
  app_event: (event: AppEvent) => void;
}
