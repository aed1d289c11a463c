/**
 * The operations HTTP endpoint every service but the gateway serves on OPS_PORT:
 * `/healthz` (the process runs), `/readyz` (the service's `ready()`: 200 or 503) and
 * `/metrics` (Prometheus text format). The gateway serves the same paths on its own port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface OpsRoutes {
  ready(): Promise<boolean>;
  metrics: Registry;
}

/** Answers the three paths; false for any other path (the caller serves it or 404s). */
export function serveOps(routes: OpsRoutes, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? "/").split("?")[0];
  const reply = (status: number, type: string, body: string) => {
    res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  };
  if (path === "/healthz") {
    reply(200, "application/json", JSON.stringify({ status: "ok" }));
    return true;
  }
  if (path === "/readyz") {
    void routes.ready().then(
      (ok) => reply(ok ? 200 : 503, "application/json", JSON.stringify({ status: ok ? "ready" : "not ready" })),
      () => reply(503, "application/json", JSON.stringify({ status: "not ready" })),
    );
    return true;
  }
  if (path === "/metrics") {
    void routes.metrics.metrics().then(
      (text) => reply(200, routes.metrics.contentType, text),
      () => reply(500, "text/plain", "metrics failed\n"),
    );
    return true;
  }
  return false;
}

export async function startOpsServer(routes: OpsRoutes, port: number, host = "0.0.0.0"): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (!serveOps(routes, req, res)) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "not found" }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  server.unref();
  return { server, port: (server.address() as AddressInfo).port };
}
