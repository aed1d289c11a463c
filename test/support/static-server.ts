/**
 * A tiny HTTP server on 127.0.0.1:<random port> that serves fixed files, for browser tests
 * that need a page from another origin than the gateway (as a Moneypot app's page is).
 */
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { AddressInfo } from "node:net";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "application/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** `routes` maps a URL path (e.g. "/v1/socket.io.js") to an absolute file path. */
export async function serveFiles(routes: Record<string, string>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const file = Object.hasOwn(routes, pathname) ? routes[pathname] : undefined;
    if (!file || req.method !== "GET") {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, { "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream" });
        res.end(body);
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
