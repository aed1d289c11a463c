/**
 * The directory: apps, users, per-app staff and access tokens, in a JetStream KV bucket
 * (`names.directoryBucket`). Moneypot writes it; the gateway and chat read it.
 *
 * Keys:
 *   apps.<app_id>                  -> AppRecord
 *   users.<auth_id>                -> UserRecord
 *   unames.<sha256(lowercase uname)> -> UnameRecord (uniqueness + lookup by name)
 *   staff.<app_id>.<auth_id>       -> StaffRecord
 *   tokens.<sha256(token)>         -> TokenRecord (a revoked token is a deleted key)
 *   apikeys.<sha256(key)>          -> ApiKeyRecord (server API keys; a revoked key is a deleted key)
 *   seq.apps, seq.users            -> the last id the CLI / demo seeding handed out (decimal)
 * The raw token and the raw API key are never stored.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { AppId, AuthId, IsoDate } from "../protocol/common";

export const Uname = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9_.-]+$/, "uname must be 1-32 chars of A-Z a-z 0-9 _ . -");

/** A browser Origin: scheme, host and optional port, lower case, no path ("https://dice.example"). */
export const Origin = z
  .string()
  .max(200)
  .regex(/^https?:\/\/[a-z0-9.-]+(:[0-9]{1,5})?$/, "an origin is scheme://host[:port] in lower case, without a path");

export const AppRecord = z.object({
  id: AppId,
  name: z.string().min(1).max(100),
  owner_auth_id: AuthId,
  /**
   * When set, a browser socket may authenticate for this app only from these pages
   * (its handshake's Origin header); absent, from any page. See docs/SECURITY.md.
   */
  allowed_origins: z.array(Origin).max(50).optional(),
});
export type AppRecord = z.infer<typeof AppRecord>;

export const UserRecord = z.object({ auth_id: AuthId, uname: Uname });
export type UserRecord = z.infer<typeof UserRecord>;

export const UnameRecord = z.object({ auth_id: AuthId });
export type UnameRecord = z.infer<typeof UnameRecord>;

export const StaffRecord = z.object({ app_id: AppId, auth_id: AuthId, role: z.literal("MOD") });
export type StaffRecord = z.infer<typeof StaffRecord>;

export const TokenRecord = z.object({
  app_id: AppId,
  auth_id: AuthId,
  /** null: never expires. */
  expires_at: IsoDate.nullable(),
});
export type TokenRecord = z.infer<typeof TokenRecord>;

/** Names an API key in lists and revocation (`key_` and 16 hex digits); not a secret. */
export const ApiKeyId = z.string().regex(/^key_[0-9a-f]{16}$/, "an API key id is key_ and 16 hex digits");

/** The name an API key's moderation shows in system messages ("Bot muted Kate for 10 minutes"). */
export const ActingName = Uname;

/**
 * A server API key of one app (docs/API.md). The key acts for its app only, with the owner's
 * authority; `acting_name` (default: the owner's uname) is who its mutes are announced as.
 */
export const ApiKeyRecord = z.object({
  id: ApiKeyId,
  app_id: AppId,
  created_at: IsoDate,
  acting_name: ActingName.optional(),
});
export type ApiKeyRecord = z.infer<typeof ApiKeyRecord>;

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

export const tokenHash = (token: string): string => sha256Hex(token.trim().toLowerCase());
/** An API key is hashed exactly as given (it is random, so no normalising). */
export const apiKeyHash = (key: string): string => sha256Hex(key);
export const unameHash = (uname: string): string => sha256Hex(uname.toLowerCase());

function id(value: number): string {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`invalid id ${String(value)}`);
  return String(value);
}

export const directoryKeys = {
  app: (appId: number) => `apps.${id(appId)}`,
  user: (authId: number) => `users.${id(authId)}`,
  uname: (uname: string) => `unames.${unameHash(uname)}`,
  staff: (appId: number, authId: number) => `staff.${id(appId)}.${id(authId)}`,
  /** Takes the hash, never the token. */
  token: (hash: string) => {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError("token key needs a sha256 hex digest");
    return `tokens.${hash}`;
  },
  tokensPrefix: "tokens.",
  /** Takes the hash, never the key. */
  apiKey: (hash: string) => {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new TypeError("API key key needs a sha256 hex digest");
    return `apikeys.${hash}`;
  },
  apiKeysPrefix: "apikeys.",
} as const;
