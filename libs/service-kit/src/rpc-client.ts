import type { z } from "zod";
import { RequestError, headers, type NatsConnection } from "@nats-io/transport-node";
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
 * Pauses between sends of a request that found no responder: the first, doubled after each
 * send up to the last, so a storm of calls while a service is down costs a few sends per
 * call rather than one every 100 ms. The last send keeps NO_RESPONDERS_MIN_LEFT_MS for its
 * round trip.
 */
export const NO_RESPONDERS_FIRST_PAUSE_MS = 100;
export const NO_RESPONDERS_MAX_PAUSE_MS = 1_000;
const NO_RESPONDERS_MIN_LEFT_MS = 50;

/**
 * Calls services by NATS request/reply. Never throws: a timeout, a missing service or an
 * invalid reply becomes INTERNAL_ERROR (and is logged, at most RPC_FAILURE_LOGS_PER_MINUTE
 * lines a minute of each kind), so a socket callback always gets an answer within
 * `timeoutMs`. A "no responders" answer is sent again, with growing pauses, until the
 * timeout (unless the entry says `waitForResponder: false`): nobody received it, and a
 * service whose NATS node died or that is restarting subscribes again within moments. Each
 * request carries the call's deadline (RPC_DEADLINE_HEADER), so a server reached late does
 * not act on it.
 */
export function createRpcClient(nc: NatsConnection, log: Logger, timeoutMs: number): RpcClient {
  const failed = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.error(f, m));
  const invalid = new ThrottledLog(RPC_FAILURE_LOGS_PER_MINUTE, (f, m) => log.error(f, m));
  return {
    async call(entry, request) {
      const deadline = Date.now() + timeoutMs;
      const data = encode(request);
      let pause = NO_RESPONDERS_FIRST_PAUSE_MS;
      for (;;) {
        try {
          const h = headers();
          h.set(RPC_DEADLINE_HEADER, String(deadline));
          const msg = await nc.request(entry.subject, data, { timeout: Math.max(1, deadline - Date.now()), headers: h });
          const decoded = decode(RpcReply(entry.result), msg.data);
          if (!decoded.ok) {
            invalid.log({ subject: entry.subject, error: decoded.error }, "invalid rpc reply");
            return { ok: false, error: "INTERNAL_ERROR" };
          }
          return decoded.value as RpcReply<never>;
        } catch (err) {
          const left = deadline - Date.now();
          if (entry.waitForResponder !== false && isNoResponders(err) && left > NO_RESPONDERS_MIN_LEFT_MS) {
            await new Promise((r) => setTimeout(r, Math.min(pause, left - NO_RESPONDERS_MIN_LEFT_MS)));
            pause = Math.min(pause * 2, NO_RESPONDERS_MAX_PAUSE_MS);
            continue;
          }
          failed.log({ subject: entry.subject, err: (err as Error).message }, "rpc failed");
          return { ok: false, error: "INTERNAL_ERROR" };
        }
      }
    },
  };
}

function isNoResponders(err: unknown): boolean {
  return err instanceof RequestError && err.isNoResponders();
}
