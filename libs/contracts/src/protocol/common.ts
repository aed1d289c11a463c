import { z } from "zod";

export const AppId = z
  .number({ error: (i) => `must be an integer, got ${describe(i.input)}` })
  .int({ error: "must be an integer" })
  .positive({ error: "must be a positive integer" })
  .max(Number.MAX_SAFE_INTEGER);
export const AuthId = AppId;

export const Role = z.enum(["OWNER", "MOD", "MEMBER"]);
export type Role = z.infer<typeof Role>;

export const Subscription = z.enum(["CHAT", "DEPOSITS", "BETS"]);
export type Subscription = z.infer<typeof Subscription>;

export const UserObject = z.object({
  uname: z.string(),
  auth_id: AuthId,
  role: Role,
});
export type UserObject = z.infer<typeof UserObject>;

/** ISO-8601 timestamp as sent on the wire. */
export const IsoDate = z.iso.datetime({ offset: true });

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  return typeof value;
}
