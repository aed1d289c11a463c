import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

export interface HttpRoutes {
  ready(): Promise<boolean>;
  publicDir?: string;
  /** Development only: the demo users' file, served as `/demo.json`. */
  demoFile?: string;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** Health endpoints and static files; socket.io handles its own path before this runs. */
export function createHttpHandler(routes: HttpRoutes) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz") return json(res, 200, { status: "ok" });
    if (url.pathname === "/readyz") {
      void routes.ready().then(
        (ok) => json(res, ok ? 200 : 503, { status: ok ? "ready" : "not ready" }),
        () => json(res, 503, { status: "not ready" }),
      );
      return;
    }
    if (url.pathname === "/demo.json" && routes.demoFile) {
      void readFile(routes.demoFile).then(
        (body) => {
          res.writeHead(200, { "content-type": CONTENT_TYPES[".json"]!, "cache-control": "no-store" });
          res.end(body);
        },
        () => json(res, 404, { error: "not found" }),
      );
      return;
    }
    if (routes.publicDir && (req.method === "GET" || req.method === "HEAD")) {
      void serveStatic(routes.publicDir, url.pathname, res);
      return;
    }
    json(res, 404, { error: "not found" });
  };
}

async function serveStatic(dir: string, pathname: string, res: ServerResponse): Promise<void> {
  const rel = normalize(decodeURIComponent(pathname === "/" ? "/index.html" : pathname)).replace(/^(\.\.[/\\])+/, "");
  const file = join(dir, rel);
  if (!file.startsWith(dir)) return json(res, 404, { error: "not found" });
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    json(res, 404, { error: "not found" });
  }
}
