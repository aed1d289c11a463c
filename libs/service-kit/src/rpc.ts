import type { z } from "zod";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import type { Service } from "@nats-io/services";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { RPC_DEADLINE_HEADER, RpcReply, decode, encode, parseRpcDeadline, type ErrorCode } from "@socketpot/contracts";
import { counterFrom } from "./metrics";

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

/** What one endpoint did that its handler never saw (read by the service's metrics). */
export interface RpcEndpointStats {
  /** Requests dropped unanswered because their deadline had passed: the caller gave up on them. */
  expired: number;
}

/** `socketpot_rpc_expired_total{endpoint}`, read from the endpoints' stats at each scrape. */
export function registerRpcMetrics(registry: Registry, endpoints: ReadonlyMap<string, RpcEndpointStats>): void {
  counterFrom(registry, "socketpot_rpc_expired_total", "Requests dropped unserved because their caller's deadline had passed, by endpoint", ["endpoint"], () =>
    [...endpoints].map(([endpoint, stats]) => [{ endpoint }, stats.expired]),
  );
}

export interface ServeRpcOptions<Req extends z.ZodType> {
  /**
   * For state split between instances (bet-stream's partitions), on a service registered
   * with `everyInstance` so that each instance hears every request: only an instance for
   * which `answers` is true replies; the others stay silent. Invalid requests are answered by all.
   */
  answers?: (request: z.output<Req>) => boolean;
}

/**
 * Serve one catalogue entry as an endpoint of a NATS micro service (queue group, stats).
 * A request past its deadline (RPC_DEADLINE_HEADER) is dropped without running the handler
 * or answering: its caller has already reported a failure. Invalid requests get
 * INVALID_REQUEST; handler failures other than RpcError are logged and answered
 * INTERNAL_ERROR without detail.
 */
export function serveRpc<Req extends z.ZodType, Res extends z.ZodType>(
  service: Service,
  endpointName: string,
  entry: RpcEntry<Req, Res>,
  handler: RpcHandler<Req, Res>,
  log: Logger,
  options: ServeRpcOptions<Req> = {},
): RpcEndpointStats {
  const stats: RpcEndpointStats = { expired: 0 };
  const { answers } = options;
  service.addEndpoint(endpointName, {
    subject: entry.subject,
    handler: (err, msg) => {
      if (err) {
        log.error({ err, endpoint: endpointName }, "endpoint stopped");
        return;
      }
      const deadline = parseRpcDeadline(msg.headers?.get(RPC_DEADLINE_HEADER));
      if (deadline !== undefined && Date.now() >= deadline) {
        stats.expired++;
        return;
      }
      const decoded = decode(entry.request, msg.data);
      if (!decoded.ok) {
        log.warn({ endpoint: endpointName, error: decoded.error }, "invalid rpc request");
        msg.respond(encode({ ok: false, error: "INVALID_REQUEST", detail: decoded.error.slice(0, 500) }));
        return;
      }
      if (answers && !answers(decoded.value)) return;
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
  return stats;
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
 * an answer within `timeoutMs`. Each request carries that timeout as its deadline
 * (RPC_DEADLINE_HEADER), so a server reached late does not act on it.
 */
export function createRpcClient(nc: NatsConnection, log: Logger, timeoutMs: number): RpcClient {
  return {
    async call(entry, request) {
      try {
        const h = headers();
        h.set(RPC_DEADLINE_HEADER, String(Date.now() + timeoutMs));
        const msg = await nc.request(entry.subject, encode(request), { timeout: timeoutMs, headers: h });
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
