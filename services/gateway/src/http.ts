import { readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import send from "send";

export interface HttpRoutes {
  ready(): Promise<boolean>;
  publicDir?: string;
  /** Development only: the demo users' file, served as `/demo.json`. */
  demoFile?: string;
}

const ALLOWED_METHODS = "GET, HEAD";

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

const ERRORS: Record<number, string> = {
  400: "bad request",
  404: "not found",
  405: "method not allowed",
  412: "precondition failed",
  416: "range not satisfiable",
};

function errorBody(status: number): { error: string } {
  return { error: ERRORS[status] ?? "internal error" };
}

/** The path part of an origin-form request target ("/a/b?c" -> "/a/b"), still percent-encoded. */
function requestPath(target: string | undefined): string | undefined {
  if (!target?.startsWith("/")) return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * Health endpoints, the demo file and the public folder; socket.io answers its own path
 * before this runs. Static files go through `send` (percent-decoding, root confinement,
 * ETag / Last-Modified and conditional GET, HEAD, ranges); every answer this handler gives
 * is final, so no request target can leave a connection waiting.
 */
export function createHttpHandler(routes: HttpRoutes) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const pathname = requestPath(req.url);
    if (pathname === undefined) return json(res, 400, errorBody(400));
    if (req.method !== "GET" && req.method !== "HEAD") return json(res, 405, errorBody(405), { allow: ALLOWED_METHODS });
    if (pathname === "/healthz") return json(res, 200, { status: "ok" });
    if (pathname === "/readyz") {
      routes.ready().then(
        (ok) => json(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready" }),
        () => json(res, 503, { status: "not ready" }),
      );
      return;
    }
    if (pathname === "/demo.json" && routes.demoFile) {
      readFile(routes.demoFile).then(
        (body) => {
          res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length), "cache-control": "no-store" });
          res.end(body);
        },
        () => json(res, 404, errorBody(404)),
      );
      return;
    }
    if (!routes.publicDir) return json(res, 404, errorBody(404));
    serveStatic(routes.publicDir, pathname, req, res);
  };
}

/**
 * Demo assets are not fingerprinted, so browsers may keep them but must revalidate each use
 * (`no-cache`); an unchanged file then costs a 304. A path that cannot be decoded is 400;
 * anything else that is not a file under the folder (missing, a directory, a dotfile,
 * outside the root: `send` says 403 for some of these) is 404, so the answer does not tell
 * which files exist.
 */
function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): void {
  res.setHeader("cache-control", "no-cache");
  res.setHeader("x-content-type-options", "nosniff");
  send(req, pathname, { root, index: "index.html", dotfiles: "ignore", cacheControl: false })
    .on("directory", () => json(res, 404, errorBody(404)))
    .on("error", (err: { status?: number; headers?: Record<string, string> }) => {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      const status = err.status === undefined || err.status >= 500 ? 500 : Object.hasOwn(ERRORS, err.status) ? err.status : 404;
      json(res, status, errorBody(status), status === 416 ? (err.headers ?? {}) : {});
    })
    .pipe(res);
}
