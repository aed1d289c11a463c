/**
 * The server API on NATS: each catalogue operation as a request/reply endpoint of the
 * `socketpot-api` micro service (queue group shared by the replicas). The request is the
 * operation's `request` schema (app_id and the HTTP fields in one object); the reply is
 * `{ok: true, result}` or `{ok: false, error, message, field?}`. No API key: NATS permissions
 * decide who may publish on these subjects (docs/API.md).
 */
import type { Logger } from "pino";
import type { Service } from "@socketpot/service-kit";
import { encode, type ApiCatalogue, type ApiOperation } from "@socketpot/contracts";
import { ApiError, fromIssues } from "./errors";
import type { Caller, Operations } from "./operations";

const decoder = new TextDecoder();

function answer(op: ApiOperation, run: (input: never, caller: Caller) => Promise<unknown>, data: Uint8Array): Promise<unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(data));
  } catch {
    return Promise.reject(new ApiError("INVALID_REQUEST", "the request is not valid JSON"));
  }
  const parsed = op.request.safeParse(raw);
  if (!parsed.success) return Promise.reject(fromIssues(parsed.error.issues));
  return run(parsed.data as never, {});
}

export function serveNatsApi(service: Service, catalogue: ApiCatalogue, operations: Operations, log: Logger): void {
  for (const [name, op] of Object.entries(catalogue)) {
    const run = operations[name as keyof Operations] as (input: never, caller: Caller) => Promise<unknown>;
    service.addEndpoint(name, {
      subject: op.subject,
      handler: (err, msg) => {
        if (err) return log.error({ err, endpoint: name }, "endpoint stopped");
        answer(op, run, msg.data).then(
          (result) => msg.respond(encode({ ok: true, result })),
          (e: unknown) => {
            const failure = e instanceof ApiError ? e : new ApiError("INTERNAL_ERROR", "internal error");
            if (!(e instanceof ApiError)) log.error({ err: e, endpoint: name }, "nats api request failed");
            msg.respond(encode({ ok: false, ...failure.body() }));
          },
        );
      },
    });
  }
}
