/**
 * Bounded JSON values, for the fields whose shape the contract leaves open (a bet's
 * `payouts`). Unbounded nesting is a denial of service: a 10 KB array nested 5,000 deep
 * passes `z.unknown()` and then overflows the stack of whatever walks it (socket.io's
 * encoder, JSON.stringify). The schema is built without recursion, one level per
 * `depth`, so checking a value never goes deeper than the schema itself.
 */
import { z } from "zod";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface JsonBounds {
  /** Levels of arrays and objects allowed inside the value (0: scalars only). */
  depth: number;
  /** Items per array. */
  items: number;
  /** Characters per string (object keys included). */
  stringLength: number;
}

/** JSON values within `bounds`. Their total size is bounded by the message that carries them. */
export function boundedJson(bounds: JsonBounds): z.ZodType<JsonValue> {
  const text = z.string().max(bounds.stringLength);
  let level: z.ZodType = z.union([text, z.number(), z.boolean(), z.null()]);
  for (let d = 0; d < bounds.depth; d++) {
    level = z.union([text, z.number(), z.boolean(), z.null(), z.array(level).max(bounds.items), z.record(text, level)]);
  }
  return level as z.ZodType<JsonValue>;
}

/** How deep an item of `payouts` may nest (a custom bet's `{from, to, value}` ranges are depth 1). */
export const PAYOUT_DEPTH = 3;
export const MAX_PAYOUTS = 1000;

/** A bet's payout table: at most MAX_PAYOUTS items, each a JSON value at most PAYOUT_DEPTH deep. */
export const Payouts = z.array(boundedJson({ depth: PAYOUT_DEPTH, items: 100, stringLength: 256 })).max(MAX_PAYOUTS);
