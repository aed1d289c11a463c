/**
 * bet-stream's encoder of `new_bets` fan-out messages (contracts `BetFanout`), written by
 * splicing the bets' JSON as it arrived upstream: bets are copied as they are, never parsed
 * or serialized again (see BetFanout for why that keeps their private fields from clients).
 * A test checks that what it writes parses with the contract's schema.
 */
import { MAX_BETS_PER_MESSAGE } from "@socketpot/contracts";

/**
 * Bytes of bet JSON after which a new `new_bets` message starts. With upstream bets of at
 * most MAX_BET_BYTES, a message stays far below NATS's default 1 MiB max_payload.
 */
export const MAX_BET_FANOUT_BYTES = 128 * 1024;

const NEW_BETS_HEAD = Buffer.from('{"type":"new_bets","bets":[');
const NEW_BETS_TAIL = Buffer.from("]}");
const COMMA = 0x2c;

/**
 * The `new_bets` messages that carry these bets, in order, given each bet as UTF-8 JSON (a
 * validated `MoneypotBet`, as published upstream): a new message after
 * MAX_BETS_PER_MESSAGE bets or MAX_BET_FANOUT_BYTES bytes.
 */
export function betFanoutMessages(betJson: readonly Uint8Array[]): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < betJson.length; ) {
    const end = betFanoutEnd(betJson, start);
    const msg = Buffer.allocUnsafe(betFanoutSize(betJson, start, end));
    writeBetFanout(betJson, start, end, msg, 0);
    out.push(msg);
    start = end;
  }
  return out;
}

/** Where the `new_bets` message that starts with betJson[start] ends (exclusive): see betFanoutMessages. */
export function betFanoutEnd(betJson: readonly Uint8Array[], start: number): number {
  let end = start + 1;
  let bytes = betJson[start]!.length;
  while (end < betJson.length && end - start < MAX_BETS_PER_MESSAGE && bytes + betJson[end]!.length <= MAX_BET_FANOUT_BYTES) {
    bytes += betJson[end]!.length;
    end++;
  }
  return end;
}

/** The size in bytes of the `new_bets` message carrying betJson[start, end). */
export function betFanoutSize(betJson: readonly Uint8Array[], start: number, end: number): number {
  let bytes = NEW_BETS_HEAD.length + (end - start - 1) + NEW_BETS_TAIL.length;
  for (let i = start; i < end; i++) bytes += betJson[i]!.length;
  return bytes;
}

/** Writes the `new_bets` message carrying betJson[start, end) into `target` at `at`; returns the offset after it. */
export function writeBetFanout(betJson: readonly Uint8Array[], start: number, end: number, target: Uint8Array, at: number): number {
  // TypedArray#set rather than Buffer#copy: a window of one app is a few bets, and this runs per app and window.
  target.set(NEW_BETS_HEAD, at);
  at += NEW_BETS_HEAD.length;
  for (let i = start; i < end; i++) {
    if (i > start) target[at++] = COMMA;
    target.set(betJson[i]!, at);
    at += betJson[i]!.length;
  }
  target.set(NEW_BETS_TAIL, at);
  return at + NEW_BETS_TAIL.length;
}
