import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createHttpHandler } from "../src/http";

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let root: string;
let server: Server;
let port: number;
let readiness: () => Promise<boolean> = async () => true;

/** One request on its own connection; `target` goes on the request line exactly as given. */
function send(target: string, method = "GET", headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path: target, agent: false, headers: { connection: "close", ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(5_000, () => req.destroy(new Error(`no answer to ${method} ${target}`)));
    req.on("error", reject);
    req.end();
  });
}

function openConnections(): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "socketpot-http-"));
  const publicDir = path.join(root, "public");
  await mkdir(path.join(publicDir, "sub"), { recursive: true });
  await writeFile(path.join(publicDir, "index.html"), "<title>demo</title>");
  await writeFile(path.join(publicDir, "demo.js"), "console.log(1);");
  await writeFile(path.join(publicDir, ".env"), "SECRET=1");
  await writeFile(path.join(root, "outside.txt"), "outside the public folder");
  await writeFile(path.join(root, "demo.json"), '{"users":[]}');
  server = createServer(createHttpHandler({ publicDir, demoFile: path.join(root, "demo.json"), ready: () => readiness() }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (root) await rm(root, { recursive: true, force: true });
});

describe("gateway HTTP: malformed paths", () => {
  it.each(["/%E0%A4%A", "/%zz", "/demo.js%", "/%", "/%C0%AF"])("GET %s is answered 400, not left hanging", async (target) => {
    const res = await send(target);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: "bad request" });
  });

  it("answers a request whose target is not a path with 400", async () => {
    expect((await send("*", "OPTIONS")).status).toBe(400);
  });

  it("answers 1,000 malformed requests and keeps no connection open afterwards", async () => {
    const targets = Array.from({ length: 1_000 }, (_, i) => (i % 2 ? "/%zz" : `/%E0%A4%A/${i}`));
    for (let i = 0; i < targets.length; i += 50) {
      const answers = await Promise.all(targets.slice(i, i + 50).map((t) => send(t)));
      expect(answers.map((a) => a.status)).toEqual(Array(answers.length).fill(400));
    }
    await vi.waitFor(async () => expect(await openConnections()).toBe(0), { timeout: 5_000, interval: 20 });
  });
});

describe("gateway HTTP: static files", () => {
  it("serves the index with its type, a validator and a revalidate-every-time cache policy", async () => {
    const res = await send("/");
    expect(res.status).toBe(200);
    expect(res.body).toBe("<title>demo</title>");
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["etag"]).toMatch(/^W\/".+"$/);
    expect(new Date(res.headers["last-modified"]!).getTime()).not.toBeNaN();
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("answers a conditional GET for an unchanged file with 304 and no body", async () => {
    const first = await send("/demo.js");
    expect(first.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    const byTag = await send("/demo.js", "GET", { "if-none-match": first.headers.etag! });
    expect(byTag.status).toBe(304);
    expect(byTag.body).toBe("");
    const byDate = await send("/demo.js", "GET", { "if-modified-since": first.headers["last-modified"]! });
    expect(byDate.status).toBe(304);
    expect((await send("/demo.js", "GET", { "if-none-match": 'W/"other"' })).status).toBe(200);
  });

  it("answers HEAD with the GET headers and no body", async () => {
    const get = await send("/demo.js");
    const head = await send("/demo.js", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength("console.log(1);")));
    for (const name of ["content-type", "etag", "last-modified", "cache-control"]) expect(head.headers[name]).toBe(get.headers[name]);
  });

  it.each(["/missing.js", "/sub", "/sub/", "/.env", "/../outside.txt", "/%2e%2e/outside.txt", "/..%2foutside.txt", "/sub/..%2f..%2foutside.txt"])(
    "GET %s is 404 and never leaks a file",
    async (target) => {
      const res = await send(target);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toEqual({ error: "not found" });
    },
  );

  it("refuses other methods with 405 and says which are allowed", async () => {
    for (const target of ["/", "/demo.js", "/healthz"]) {
      const res = await send(target, "POST");
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("GET, HEAD");
    }
  });
});

describe("gateway HTTP: health and the demo file", () => {
  it("answers /healthz and /readyz uncached, for GET and HEAD", async () => {
    const health = await send("/healthz");
    expect([health.status, JSON.parse(health.body), health.headers["cache-control"]]).toEqual([200, { status: "ok" }, "no-store"]);
    const head = await send("/readyz", "HEAD");
    expect([head.status, head.body]).toEqual([200, ""]);
  });

  it("reports not ready with 503, also when the check itself fails", async () => {
    readiness = async () => false;
    expect((await send("/readyz")).status).toBe(503);
    readiness = async () => {
      throw new Error("NATS gone");
    };
    const failed = await send("/readyz");
    expect([failed.status, JSON.parse(failed.body)]).toEqual([503, { status: "not ready" }]);
    readiness = async () => true;
  });

  it("serves the demo file uncached, with a query string too", async () => {
    const res = await send("/demo.json?x=1");
    expect([res.status, res.body, res.headers["cache-control"], res.headers["content-type"]]).toEqual([200, '{"users":[]}', "no-store", "application/json"]);
  });
});
