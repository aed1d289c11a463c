/**
 * The HTTP API (fastify): one route per catalogue operation under `/v1/apps/:app_id/`, its
 * params, query and body validated with the operation's zod schemas, the OpenAPI 3.1
 * document generated from the same schemas at `/v1/openapi.json`, `/healthz` and `/readyz`.
 * Every call: API key (401), rate limit (429), the key's own app (403), then the operation.
 * Every error answer is `{error, message, field?}`; nothing internal leaves.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import swagger from "@fastify/swagger";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { ApiErrorBody, type ApiCatalogue, type ApiKeyRecord, type ApiOperation } from "@socketpot/contracts";
import { ApiError, fromIssues } from "./errors";
import type { Caller, Operations } from "./operations";
import type { RateLimiter } from "./rate-limit";

export interface HttpDeps {
  catalogue: ApiCatalogue;
  operations: Operations;
  /** The key's record; undefined for an unknown or revoked key. */
  resolveKey(key: string): Promise<ApiKeyRecord | undefined>;
  limiter: RateLimiter;
  ready(): Promise<boolean>;
  bodyLimit: number;
  log: Logger;
}

declare module "fastify" {
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

function send(reply: FastifyReply, err: ApiError): FastifyReply {
  if (err.retryAfter !== undefined) reply.header("retry-after", String(err.retryAfter));
  return reply.code(err.status).header("cache-control", "no-store").send(err.body());
}

/** Any error a request ended with, as the API's error. */
function toApiError(err: unknown, log: Logger, req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const e = err as FastifyError & { validation?: Array<{ instancePath: string; message?: string; params?: unknown }>; validationContext?: string };
  if (e.validation) {
    return fromIssues(e.validation.map((v) => ({ path: v.instancePath.split("/").filter(Boolean), message: v.message ?? "invalid", params: (v.params as { params?: unknown })?.params })));
  }
  if (e.statusCode === 413) return new ApiError("PAYLOAD_TOO_LARGE", "the request body is too large");
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new ApiError("INVALID_REQUEST", e.message);
  log.error({ err, method: req.method, route: req.routeOptions.url }, "request failed");
  return new ApiError("INTERNAL_ERROR", "internal error");
}

async function authenticate(req: FastifyRequest, deps: HttpDeps): Promise<ApiKeyRecord> {
  const match = BEARER.exec(req.headers.authorization ?? "");
  if (!match) throw new ApiError("UNAUTHORIZED", "send the app's API key as `Authorization: Bearer <key>`");
  let record: ApiKeyRecord | undefined;
  try {
    record = await deps.resolveKey(match[1]!);
  } catch {
    throw new ApiError("UNAVAILABLE", "the directory did not answer; retry later");
  }
  if (!record) throw new ApiError("UNAUTHORIZED", "unknown or revoked API key");
  const decision = deps.limiter.take(record.id);
  if (!decision.ok) throw new ApiError("RATE_LIMITED", "too many requests for this API key", undefined, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
  const appId = (req.params as { app_id?: string }).app_id;
  if (appId !== String(record.app_id)) throw new ApiError("FORBIDDEN", `this API key acts for app ${record.app_id} only`);
  return record;
}

const errorResponses = Object.fromEntries([400, 401, 403, 404, 413, 429, 503].map((s) => [s, ApiErrorBody]));

function route(app: FastifyInstance, name: string, op: ApiOperation, run: (input: never, caller: Caller) => Promise<unknown>): void {
  app.withTypeProvider<ZodTypeProvider>().route({
    method: op.method,
    url: op.path,
    schema: {
      operationId: name,
      summary: op.summary,
      security: [{ apiKey: [] }],
      params: op.params,
      ...(op.query ? { querystring: op.query } : {}),
      ...(op.body ? { body: op.body.optional() } : {}),
      response: { [op.status]: op.result, ...errorResponses },
    },
    handler: async (req, reply) => {
      const input = { ...(req.body ?? {}), ...(req.query ?? {}), ...(req.params as object) };
      const result = await run(input as never, { actingName: req.apiKey?.acting_name });
      return reply.code(op.status).header("cache-control", "no-store").send(result);
    },
  });
}

export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit, return503OnClosing: true, forceCloseConnections: "idle" });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err, req, reply) => send(reply, toApiError(err, deps.log, req)));
  app.setNotFoundHandler((req, reply) => send(reply, new ApiError("NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`)));
  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "Socketpot server API", version: "1.0.0", description: "For Moneypot app backends. See docs/API.md." },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "The app's API key (npm run cli -- api-key create)" } } },
    },
    transform: jsonSchemaTransform,
  });
  app.addHook("onRequest", async (req) => {
    if (req.routeOptions.url?.startsWith("/v1/apps/")) req.apiKey = await authenticate(req, deps);
  });
  for (const [name, op] of Object.entries(deps.catalogue)) {
    route(app, name, op, deps.operations[name as keyof Operations] as (input: never, caller: Caller) => Promise<unknown>);
  }
  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  app.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  app.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    const ok = await deps.ready().catch(() => false);
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not ready" });
  });
  return app;
}
