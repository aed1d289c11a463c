/**
 * The server API's failures: a closed set of codes (contracts `ApiErrorCode`), each with its
 * HTTP status, a developer-friendly message and, for INVALID_REQUEST, the offending field.
 * Nothing internal (a stack, a service's detail about its own failure) reaches a caller.
 */
import { API_ERROR_STATUS, TOO_LARGE, type ApiErrorBody, type ApiErrorCode, type ErrorCode } from "@socketpot/contracts";

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
    /** Seconds, for RATE_LIMITED. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  get status(): number {
    return API_ERROR_STATUS[this.code];
  }

  body(): ApiErrorBody {
    return this.field === undefined ? { error: this.code, message: this.message } : { error: this.code, message: this.message, field: this.field };
  }
}

/** One schema issue, as zod reports it or as fastify's validation error carries it. */
export interface Issue {
  path: ReadonlyArray<PropertyKey>;
  message: string;
  params?: unknown;
}

/** The first issue as INVALID_REQUEST naming its field, or PAYLOAD_TOO_LARGE for a `data` too large. */
export function fromIssues(issues: readonly Issue[]): ApiError {
  const issue = issues[0];
  if (!issue) return new ApiError("INVALID_REQUEST", "invalid request");
  const field = issue.path.map(String).join(".") || undefined;
  const tooLarge = issue.params !== null && typeof issue.params === "object" && (issue.params as Record<string, unknown>).too_large === TOO_LARGE.too_large;
  return new ApiError(tooLarge ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST", field ? `${field}: ${issue.message}` : issue.message, field);
}

/**
 * A service's error reply as the API's error. `field` names what a refusal is about (the
 * service's detail is its client-safe message); INTERNAL_ERROR means the service failed or did
 * not answer within the RPC timeout: 503, worth retrying.
 */
export function fromServiceError(service: string, error: ErrorCode, detail: string | undefined, field?: string): ApiError {
  switch (error) {
    case "INVALID_REQUEST":
    case "INVALID_COMMAND":
      return new ApiError("INVALID_REQUEST", detail ?? "invalid request", field);
    case "FORBIDDEN":
      return new ApiError("FORBIDDEN", detail ?? "forbidden");
    case "NOT_FOUND":
    case "UNKNOWN_APP":
      return new ApiError("NOT_FOUND", detail ?? "not found");
    case "INTERNAL_ERROR":
      return new ApiError("UNAVAILABLE", `${service} did not answer; retry later`);
    default:
      return new ApiError("INTERNAL_ERROR", "internal error");
  }
}
