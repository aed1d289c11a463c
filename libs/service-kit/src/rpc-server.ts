import type { z } from "zod";
import type { Service, ServiceMsg } from "@nats-io/services";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { RPC_DEADLINE_HEADER, decode, encode, parseRpcDeadline } from "@socketpot/contracts";
import { counterFrom, gaugeFrom } from "./metrics";
import { RPC_FAILURE_LOGS_PER_MINUTE, RpcError, type RpcEntry, type RpcHandler } from "./rpc";
import { ThrottledLog } from "./throttled-log";
import { WorkQueue, type WorkLimits, type WorkRefusal } from "./work-queue";

/** What one endpoint did that its handler never saw (read by the service's metrics). */
export interface RpcEndpointStats {
  /** Requests dropped unanswered because their deadline had passed: the caller gave up on them. */
  expired: number;
  /** Requests refused at once by the endpoint's work bounds, by reason. */
  shed: Record<WorkRefusal, number>;
  /** Requests running and waiting now (0 without work bounds). */
  readonly running: number;
  readonly queued: number;
}

/** Work bounds for an endpoint: see WorkQueue; `key` names whose share a request takes (a user). */
export interface RpcWorkBounds<Req extends z.ZodType> extends WorkLimits {
  key(request: z.output<Req>): string;
}

export interface ServeRpcOptions<Req extends z.ZodType> {
  /**
   * For state split between instances (bet-stream's partitions), on a service registered
   * with `everyInstance` so that each instance hears every request: only an instance for
   * which `answers` is true replies; the others stay silent. Invalid requests are answered by all.
   */
  answers?: (request: z.output<Req>) => boolean;
  bounds?: RpcWorkBounds<Req>;
}

/**
 * `socketpot_rpc_expired_total`, `socketpot_rpc_shed_total` and `socketpot_rpc_work`
 * (running, queued) by endpoint, read from the endpoints' stats at each scrape.
 */
export function registerRpcMetrics(registry: Registry, endpoints: ReadonlyMap<string, RpcEndpointStats>): void {
  counterFrom(registry, "socketpot_rpc_expired_total", "Requests dropped unserved because their caller's deadline had passed, by endpoint", ["endpoint"], () =>
    [...endpoints].map(([endpoint, stats]) => [{ endpoint }, stats.expired]),
  );
  counterFrom(registry, "socketpot_rpc_shed_total", "Requests refused at once by an endpoint's work bounds, by endpoint and reason (busy, key_busy)", ["endpoint", "reason"], () =>
    [...endpoints].flatMap(([endpoint, stats]) => Object.entries(stats.shed).map(([reason, n]) => [{ endpoint, reason }, n] as [Record<string, string>, number])),
  );
  gaugeFrom(registry, "socketpot_rpc_work", "Requests an endpoint is running or holding in its queue now", ["endpoint", "state"], () =>
    [...endpoints].flatMap(([endpoint, stats]) => [
      [{ endpoint, state: "running" }, stats.running],
      [{ endpoint, state: "queued" }, stats.queued],
    ]),
  );
}

/** What a refused request is answered: its own flood is the caller's to slow; a full service is a failure. */
const SHED_REPLY: Record<WorkRefusal, Uint8Array> = {
  key_busy: encode({ ok: false, error: "RATE_LIMITED", detail: "too many requests of this user in progress" }),
  busy: encode({ ok: false, error: "INTERNAL_ERROR", detail: "overloaded" }),
};

/**
 * Serve one catalogue entry as an endpoint of a NATS micro service (queue group, stats).
 * - A request past its deadline (RPC_DEADLINE_HEADER) is dropped without running the handler
 *   or answering, on arrival and again when it leaves the queue: its caller has already
 *   reported a failure.
 * - With `bounds`, at most `concurrency` requests run and `queued` wait, a key (user) holds at
 *   most `perKey` of them, and any other request is answered at once (RATE_LIMITED for a key
 *   over its share, INTERNAL_ERROR when full): a flood costs a refusal per request, not memory.
 * - Invalid requests get INVALID_REQUEST; handler failures other than RpcError are answered
 *   INTERNAL_ERROR without detail. Both are logged, at most RPC_FAILURE_LOGS_PER_MINUTE lines
 *   a minute each.
 */
export function serveRpc<Req extends z.ZodType, Res extends z.ZodType>(
  service: Service,
  endpointName: string,
  entry: RpcEntry<Req, Res>,
  handler: RpcHandler<Req, Res>,
  log: Logger,
  options: ServeRpcOptions<Req> = {},
): RpcEndpointStats {
  const { answers, bounds } = options;
  const work = bounds ? new WorkQueue(bounds) : undefined;
  const stats: RpcEndpointStats = {
    expired: 0,
    shed: { busy: 0, key_busy: 0 },
    get running() {
      return work?.running ?? 0;
    },
    get queued() {
      return work?.queued ?? 0;
    },
  };
  const invalidLog = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.warn(f, m));
  const failedLog = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.error(f, m));
  const expired = (deadline: number | undefined) => {
    if (deadline === undefined || Date.now() < deadline) return false;
    stats.expired++;
    return true;
  };

  const run = (msg: ServiceMsg, request: z.output<Req>, deadline: number | undefined): Promise<void> => {
    if (expired(deadline)) return Promise.resolve();
    return handler(request).then(
      (result) => void msg.respond(encode({ ok: true, result })),
      (e: unknown) => {
        if (e instanceof RpcError) {
          msg.respond(encode({ ok: false, error: e.code, detail: e.detail }));
        } else {
          failedLog.log({ err: e, endpoint: endpointName }, "rpc handler failed");
          msg.respond(encode({ ok: false, error: "INTERNAL_ERROR" }));
        }
      },
    );
  };

  service.addEndpoint(endpointName, {
    subject: entry.subject,
    handler: (err, msg) => {
      if (err) {
        log.error({ err, endpoint: endpointName }, "endpoint stopped");
        return;
      }
      const deadline = parseRpcDeadline(msg.headers?.get(RPC_DEADLINE_HEADER));
      if (expired(deadline)) return;
      const decoded = decode(entry.request, msg.data);
      if (!decoded.ok) {
        invalidLog.log({ endpoint: endpointName, error: decoded.error }, "invalid rpc request");
        msg.respond(encode({ ok: false, error: "INVALID_REQUEST", detail: decoded.error.slice(0, 500) }));
        return;
      }
      const request = decoded.value;
      if (answers && !answers(request)) return;
      if (!work || !bounds) {
        void run(msg, request, deadline);
        return;
      }
      const refused = work.submit(bounds.key(request), () => run(msg, request, deadline));
      if (refused) {
        stats.shed[refused]++;
        msg.respond(SHED_REPLY[refused]);
      }
    },
  });
  return stats;
}
