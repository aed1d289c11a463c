import type { z } from "zod";
import type { NatsConnection } from "@nats-io/transport-node";
import type { Service } from "@nats-io/services";
import type { Logger } from "pino";
import { RpcReply, decode, encode, type ErrorCode } from "@socketpot/contracts";

export interface RpcEntry<Req extends z.ZodType, Res extends z.ZodType> {
  subject: string;
  request: Req;
  result: Res;
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

/**
 * Serve one catalogue entry as an endpoint of a NATS micro service (queue group, stats).
 * Invalid requests get INVALID_REQUEST; handler failures other than RpcError are logged and
 * answered INTERNAL_ERROR without detail.
 */
export function serveRpc<Req extends z.ZodType, Res extends z.ZodType>(
  service: Service,
  endpointName: string,
  entry: RpcEntry<Req, Res>,
  handler: RpcHandler<Req, Res>,
  log: Logger,
): void {
  service.addEndpoint(endpointName, {
    subject: entry.subject,
    handler: (err, msg) => {
      if (err) {
        log.error({ err, endpoint: endpointName }, "endpoint stopped");
        return;
      }
      const decoded = decode(entry.request, msg.data);
      if (!decoded.ok) {
        log.warn({ endpoint: endpointName, error: decoded.error }, "invalid rpc request");
        msg.respond(encode({ ok: false, error: "INVALID_REQUEST", detail: decoded.error.slice(0, 500) }));
        return;
      }
      handler(decoded.value).then(
        (result) => msg.respond(encode({ ok: true, result })),
        (e: unknown) => {
          if (e instanceof RpcError) {
            msg.respond(encode({ ok: false, error: e.code, detail: e.detail }));
          } else {
            log.error({ err: e, endpoint: endpointName }, "rpc handler failed");
            msg.respond(encode({ ok: false, error: "INTERNAL_ERROR" }));
          }
        },
      );
    },
  });
}

export interface RpcClient {
  call<Req extends z.ZodType, Res extends z.ZodType>(
    entry: RpcEntry<Req, Res>,
    request: z.input<Req>,
  ): Promise<RpcReply<z.output<Res>>>;
}

/**
 * Calls services by NATS request/reply. Never throws: a timeout, a missing service or an
 * invalid reply becomes INTERNAL_ERROR (and is logged), so a socket callback always gets
 * an answer within `timeoutMs`.
 */
export function createRpcClient(nc: NatsConnection, log: Logger, timeoutMs: number): RpcClient {
  return {
    async call(entry, request) {
      try {
        const msg = await nc.request(entry.subject, encode(request), { timeout: timeoutMs });
        const decoded = decode(RpcReply(entry.result), msg.data);
        if (!decoded.ok) {
          log.error({ subject: entry.subject, error: decoded.error }, "invalid rpc reply");
          return { ok: false, error: "INTERNAL_ERROR" };
        }
        return decoded.value as RpcReply<never>;
      } catch (err) {
        log.error({ subject: entry.subject, err: (err as Error).message }, "rpc failed");
        return { ok: false, error: "INTERNAL_ERROR" };
      }
    },
  };
}
