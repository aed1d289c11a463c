/**
 * Events services publish for gateways on `names.fanout.*` subjects, one subject per
 * socket.io room. A gateway validates each message with the family's schema and turns it
 * into client emits with `toEmits` — the only place an internal event becomes a wire event.
 */
import { z } from "zod";
import { MessageObject, UserJoined, UserLeft } from "../protocol/chat";
import { BalanceChange } from "../protocol/deposits";
import { NewBet } from "../protocol/bets";
import { AppEvent } from "../protocol/app-events";
import type { ServerToClientEvents } from "../protocol/events";

export const ChatFanout = z.discriminatedUnion("type", [
  z.object({ type: z.literal("new_message"), message: MessageObject }),
  z.object({ type: z.literal("user_joined"), user: UserJoined }),
  z.object({ type: z.literal("user_left"), user: UserLeft }),
]);
export type ChatFanout = z.infer<typeof ChatFanout>;

export const DepositFanout = z.discriminatedUnion("type", [
  z.object({ type: z.literal("unconfirmed"), event_id: z.string(), change: BalanceChange }),
  z.object({ type: z.literal("confirmed"), event_id: z.string(), change: BalanceChange }),
]);
export type DepositFanout = z.infer<typeof DepositFanout>;

/** The most bets bet-stream puts in one `new_bets` message (a window of a high-rate app is split). */
export const MAX_BETS_PER_MESSAGE = 100;

/**
 * One bet, or the bets one app's sampling window chose, in order: bet-stream publishes a
 * window's bets of an app as one message, which at thousands of apps saves a NATS message
 * per bet at both ends. Gateways accept both forms.
 *
 * Each bet is a `NewBet` or more: bet-stream forwards a validated upstream bet as the JSON
 * it arrived in (app_id, auth_id and fields newer than this contract included), and the
 * gateway's parse with this schema keeps only `NewBet`'s fields, so clients never see more.
 */
export const BetFanout = z.discriminatedUnion("type", [
  z.object({ type: z.literal("new_bet"), bet: NewBet }),
  z.object({ type: z.literal("new_bets"), bets: z.array(NewBet).min(1).max(MAX_BETS_PER_MESSAGE) }),
]);
export type BetFanout = z.infer<typeof BetFanout>;

/** The bets of a bet fan-out message, in order. */
export function betsOf(msg: BetFanout): NewBet[] {
  return msg.type === "new_bet" ? [msg.bet] : msg.bets;
}

/**
 * What the server API sends to an app's sockets (`names.fanout.app`) or to one user's
 * (`names.fanout.appUser`): an `app_event`, or a disconnect told with its `client_error` text.
 */
export const AppFanout = z.discriminatedUnion("type", [
  z.object({ type: z.literal("app_event"), event: AppEvent }),
  z.object({ type: z.literal("disconnect"), text: z.string().min(1).max(500) }),
]);
export type AppFanout = z.infer<typeof AppFanout>;

/** One client emit: an event name and its payload, typed together. */
export type ClientEmit = {
  [E in keyof ServerToClientEvents]: [E, ...Parameters<ServerToClientEvents[E]>];
}[keyof ServerToClientEvents];

export function chatEmits(msg: ChatFanout): ClientEmit[] {
  switch (msg.type) {
    case "new_message":
      return [["new_message", msg.message]];
    case "user_joined":
      return [["user_joined", msg.user]];
    case "user_left":
      return [["user_left", msg.user]];
  }
}

export function depositEmits(msg: DepositFanout): ClientEmit[] {
  switch (msg.type) {
    case "unconfirmed":
      return [["unconfirmed_balance_change", msg.change]];
    case "confirmed":
      // The spec names the confirmed event twice; existing apps listen for either.
      return [
        ["balance_change", msg.change],
        ["confirmed_deposit_change", msg.change],
      ];
  }
}

export function betEmits(msg: BetFanout): ClientEmit[] {
  return betsOf(msg).map((bet): ClientEmit => ["new_bet", bet]);
}

export function appEmits(msg: AppFanout): ClientEmit[] {
  switch (msg.type) {
    case "app_event":
      return [["app_event", msg.event]];
    case "disconnect":
      return [["client_error", msg.text]];
  }
}

/**
 * The ledger's number of a deposit notification: a service that crashed between publishing
 * and recording may publish it again, and the copy has the same `seq`.
 */
export function depositSeq(msg: DepositFanout): number {
  return msg.change.seq;
}

/**
 * Every fan-out family: the schema its messages are validated with and the client emits
 * each message becomes. How duplicates are treated is the relaying gateway's policy per family.
 */
export const fanoutFamilies = {
  chat: { schema: ChatFanout, toEmits: chatEmits },
  deposits: { schema: DepositFanout, toEmits: depositEmits },
  bets: { schema: BetFanout, toEmits: betEmits },
  app: { schema: AppFanout, toEmits: appEmits },
} as const;
export type FanoutFamily = keyof typeof fanoutFamilies;
/** A validated message of one family. */
export type FanoutMessage<F extends FanoutFamily> = z.output<(typeof fanoutFamilies)[F]["schema"]>;
