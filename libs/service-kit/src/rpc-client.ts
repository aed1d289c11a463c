import type { z } from "zod";
import { headers, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { RPC_DEADLINE_HEADER, RpcReply, decode, encode } from "@socketpot/contracts";
import { RPC_FAILURE_LOGS_PER_MINUTE, type RpcEntry } from "./rpc";
import { ThrottledLog } from "./throttled-log";

export interface RpcClient {
  call<Req extends z.ZodType, Res extends z.ZodType>(
    entry: RpcEntry<Req, Res>,
    request: z.input<Req>,
  ): Promise<RpcReply<z.output<Res>>>;
}

/**
 * Calls services by NATS request/reply. Never throws: a timeout, a missing service or an
 * invalid reply becomes INTERNAL_ERROR (and is logged, at most RPC_FAILURE_LOGS_PER_MINUTE
 * lines a minute of each kind), so a socket callback always gets an answer within
 * `timeoutMs`. Each request carries that timeout as its deadline (RPC_DEADLINE_HEADER), so
 * a server reached late does not act on it.
 */
export function createRpcClient(nc: NatsConnection, log: Logger, timeoutMs: number): RpcClient {
  const failed = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.error(f, m));
  const invalid = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.error(f, m));
  return {
    async call(entry, request) {
      try {
        const h = headers();
        h.set(RPC_DEADLINE_HEADER, String(Date.now() + timeoutMs));
        const msg = await nc.request(entry.subject, encode(request), { timeout: timeoutMs, headers: h });
        const decoded = decode(RpcReply(entry.result), msg.data);
        if (!decoded.ok) {
          invalid.log({ subject: entry.subject, error: decoded.error }, "invalid rpc reply");
          return { ok: false, error: "INTERNAL_ERROR" };
        }
        return decoded.value as RpcReply<never>;
      } catch (err) {
        failed.log({ subject: entry.subject, err: (err as Error).message }, "rpc failed");
        return { ok: false, error: "INTERNAL_ERROR" };
      }
    },
  };
}
