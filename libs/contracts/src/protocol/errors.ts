import { z } from "zod";

/**
 * The string constants a callback's first argument can carry. The first four are the
 * spec's; the others are Socketpot additions, each documented in docs/PROTOCOL.md.
 */
export const ErrorCode = z.enum([
  "INTERNAL_ERROR",
  "USER_IS_MUTED",
  "FORBIDDEN",
  "INVALID_COMMAND",
  "INVALID_REQUEST",
  "UNKNOWN_APP",
  "ALREADY_AUTHENTICATED",
  "NOT_AUTHENTICATED",
  "NOT_SUBSCRIBED",
  "LOGIN_REQUIRED",
  "RATE_LIMITED",
  /** Between services only (the server API's 404), never a client callback's. */
  "NOT_FOUND",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;
