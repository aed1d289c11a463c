/** The API service in this process on a random port, with a key for an app. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { ApiEnv, createApiService, type ApiService } from "@socketpot/api";
import { quietLogger } from "./gateway";
import { natsUrl } from "./nats";

export interface RunningApi {
  url: string;
  api: ApiService;
  stop(): Promise<void>;
}

export async function startApi(nc: NatsConnection, namespace: string, env: Record<string, string> = {}, log: Logger = quietLogger()): Promise<RunningApi> {
  const config = ApiEnv.parse({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: namespace, API_PORT: "0", API_HOST: "127.0.0.1", ...env });
  const api = createApiService({ config, nc, log });
  const { port } = await api.start();
  return { url: `http://127.0.0.1:${port}`, api, stop: () => api.stop() };
}

/** An HTTP call with a key; resolves with the status, headers and JSON body. */
export async function call(
  url: string,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = {};
  if (key !== undefined) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
