import type { z } from "zod";
import type { ErrorCode } from "@socketpot/contracts";

export interface RpcEntry<Req extends z.ZodType, Res extends z.ZodType> {
  subject: string;
  request: Req;
  result: Res;
  /**
   * Whether a caller retries a "no responders" answer until its timeout (the default): for
   * a queue-group service that means its replicas are reconnecting to another NATS node or
   * restarting, and nobody got the request, so sending it again is safe. `false` where no
   * responder is a normal state to report at once (bets' recent bets during a handover).
   */
  waitForResponder?: boolean;
}

/** A failure a handler reports to the caller with a client-safe code. */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
  }
}

export type RpcHandler<Req extends z.ZodType, Res extends z.ZodType> = (
  request: z.output<Req>,
) => Promise<z.input<Res>>;

/** Log lines per minute for one kind of RPC failure; a flood of them is counted, not written. */
export const RPC_FAILURE_LOGS_PER_MINUTE = 30;
