/**
 * The server API under load: requests/s and latency of `POST chat/messages` (a system
 * message: key, validation, the app's directory record, chat's app-post RPC into PostgreSQL)
 * and `POST events` (key, validation, the app's record, a fan-out publish), against a bare
 * fastify server with the same routes doing one NATS request per call (bench/lib/bare-api-server.ts),
 * in the same run, against the same chat. Each target runs as its own process; the load comes
 * from this process: `--connections` keep-alive connections, each sending its next request when
 * the previous one is answered, for `--seconds` per target and endpoint after a 1 s warm-up.
 *
 * Flags: --connections 32 --seconds 10. NATS_URL / DATABASE_URL (server) from env. Loopback only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { createNames } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { dropDatabase } from "@socketpot/chat";
import { Histogram } from "../lib/histogram";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Child {
  child: ChildProcess;
  output: string;
  stop(): Promise<void>;
}

/** Runs a TypeScript file as a child; resolves once its output matches `ready`. */
async function spawnReady(file: string, env: Record<string, string>, ready: RegExp): Promise<Child> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL(file, `file://${ROOT}`))], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const handle: Child = {
    child,
    output: "",
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} not ready:\n${handle.output}`)), 90_000);
    const onData = (d: Buffer) => {
      handle.output = (handle.output + d.toString()).slice(-8000);
      if (ready.test(handle.output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`${file} exited:\n${handle.output}`)));
  });
  return handle;
}

interface LoadResult {
  ok: number;
  errors: number;
  seconds: number;
  latency: Histogram;
}

/** `connections` closed loops of POSTs for `seconds` (after `warmupSeconds` not counted). */
async function load(url: string, path: string, body: string, headers: Record<string, string>, connections: number, seconds: number, warmupSeconds = 1): Promise<LoadResult> {
  const target = new URL(path, url);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { ok: 0, errors: 0, seconds, latency: new Histogram() };
  const warmEnd = Date.now() + warmupSeconds * 1000;
  const end = warmEnd + seconds * 1000;
  const once = () =>
    new Promise<number>((resolve) => {
      const req = request(
        { agent, host: target.hostname, port: target.port, path: target.pathname, method: "POST", headers: { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", () => resolve(0));
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const status = await once();
        if (Date.now() < warmEnd) continue;
        if (status >= 200 && status < 300) {
          result.ok++;
          result.latency.record(performance.now() - t0);
        } else result.errors++;
      }
    }),
  );
  agent.destroy();
  return result;
}

export default {
  name: "api-throughput",
  description: "server API requests/s and p99 (POST chat/messages, POST events) vs a bare fastify server doing one NATS request per call",
  async run(args: Record<string, string>) {
    const connections = Math.min(256, Math.max(1, Number(args.connections ?? 32)));
    const seconds = Math.min(120, Math.max(2, Number(args.seconds ?? 10)));
    const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
    const namespace = `bench_api_${randomBytes(4).toString("hex")}`;
    const names = createNames(namespace);
    const server = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
    server.pathname = `/socketpot_bench_${randomBytes(4).toString("hex")}`;
    const databaseUrl = server.toString();
    const env = { NATS_URL: natsUrl, SOCKETPOT_NAMESPACE: namespace };
    const nc = await connect({ servers: natsUrl });
    const children: Child[] = [];
    try {
      const writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
      const owner = await writer.createUser({ uname: "bench_owner" });
      const app = await writer.createApp({ name: "bench", owner_auth_id: owner.auth_id });
      const { key } = await writer.createApiKey({ app_id: app.id });
      children.push(
        await spawnReady("services/chat/src/main.ts", { ...env, DATABASE_URL: databaseUrl, CHAT_MIGRATE_ON_START: "true", LOG_LEVEL: "info" }, /chat started/),
      );
      const api = await spawnReady("services/api/src/main.ts", { ...env, API_PORT: "0", API_HOST: "127.0.0.1", API_RATE_LIMIT: "0", LOG_LEVEL: "info" }, /"msg":"api listening"/);
      children.push(api);
      const apiUrl = `http://127.0.0.1:${/"port":(\d+)/.exec(api.output)![1]}`;
      const bare = await spawnReady("bench/lib/bare-api-server.ts", env, /listening \d+/);
      children.push(bare);
      const bareUrl = `http://127.0.0.1:${/listening (\d+)/.exec(bare.output)![1]}`;

      const endpoints = [
        { endpoint: "POST chat/messages", path: `/v1/apps/${app.id}/chat/messages`, body: JSON.stringify({ text: "Jackpot: 1 BTC won!", as: "system" }) },
        { endpoint: "POST events", path: `/v1/apps/${app.id}/events`, body: JSON.stringify({ name: "jackpot", data: { amount: 100_000_000, game: "dice" } }) },
      ];
      const rows: Record<string, string | number>[] = [];
      const f = (x: number) => Number(x.toFixed(2));
      for (const e of endpoints) {
        const measured: Record<string, LoadResult> = {};
        // Bare first, then the API, then bare again: drift on a shared machine shows in the two bare runs.
        for (const [target, url, headers] of [
          ["bare fastify + 1 NATS request", bareUrl, {}],
          ["Socketpot API", apiUrl, { authorization: `Bearer ${key}` }],
          ["bare fastify + 1 NATS request (again)", bareUrl, {}],
        ] as const) {
          const r = await load(url, e.path, e.body, headers, connections, seconds);
          measured[target] = r;
          rows.push({
            endpoint: e.endpoint,
            server: target,
            "req/s": Math.round(r.ok / r.seconds),
            "p50 ms": f(r.latency.percentile(50)),
            "p99 ms": f(r.latency.percentile(99)),
            errors: r.errors,
          });
        }
        const bareRate = (measured["bare fastify + 1 NATS request"]!.ok + measured["bare fastify + 1 NATS request (again)"]!.ok) / 2;
        rows.push({ endpoint: e.endpoint, server: "API / bare (mean of the two bare runs)", "req/s": `${f(measured["Socketpot API"]!.ok / bareRate)}x`, "p50 ms": "", "p99 ms": "", errors: "" });
      }
      return {
        title: `Server API: POST chat/messages and POST events vs bare fastify + 1 NATS request (${connections} connections, ${seconds} s each)`,
        rows,
        notes: [
          `Load: ${connections} keep-alive HTTP connections from the bench process, each sending its next request when the previous one is answered (closed loop), ${seconds} s per row after a 1 s warm-up.`,
          "POST chat/messages is a system message: both servers end in chat's app-post RPC (one PostgreSQL insert, a fan-out publish); the API also checks the key (cached), validates, and reads the app's directory record.",
          "POST events: the bare server reads the app's record (one KV get) and publishes; the API does the same after the key check and validation. No gateway runs: the fan-out messages reach no socket.",
          "API_RATE_LIMIT=0 (the limit is off); every process (load, API, bare server, chat, NATS, PostgreSQL) shares the machine's cores.",
        ],
      };
    } finally {
      for (const c of children.reverse()) await c.stop().catch(() => undefined);
      const jsm = await jetstreamManager(nc);
      for await (const s of jsm.streams.list()) if (s.config.name.includes(namespace)) await jsm.streams.delete(s.config.name).catch(() => undefined);
      await nc.drain();
      await dropDatabase(databaseUrl).catch(() => undefined);
    }
  },
};
