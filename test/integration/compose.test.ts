/**
 * docker-compose.yml, for real: builds the image, `up`s the stack, waits for every
 * healthcheck, creates a user, an app and a token with the CLI through compose, chats and
 * sees a deposit over socket.io, restarts chat and the gateway, and after `down` + `up`
 * finds the chat history and the balance ledger kept; then, on the same image, the stack with
 * docker-compose.cluster.yml (three NATS nodes, every stream and bucket with 3 replicas)
 * chats and notifies deposits with one node stopped and after it is back. Runs when a Docker engine can be had
 * (test/compose/engine.ts); the static checks of the file always run.
 */
import { spawnSync } from "node:child_process";
import { freePort } from "../support/ports";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { connectClient, connected, once, request, type AnyClient } from "../support/clients";
import { ROOT } from "../support/gateway";
import { txid } from "../support/wallet";
import { startEngine, type Engine } from "../compose/engine";

const FILES = ["-f", "docker-compose.yml", "-f", "test/compose/docker-compose.test.yml"];
/** The three-node NATS cluster under the same services (docs/OPERATIONS.md), on the image the single-node run built. */
const CLUSTER_FILES = ["-f", "docker-compose.yml", "-f", "docker-compose.cluster.yml", "-f", "test/compose/docker-compose.test.yml"];

function composeConfig(): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "config"], { cwd: ROOT, encoding: "utf8" });
  if (result.error) throw new Error(`docker-compose is needed for this test (Debian: apt-get install docker-compose): ${result.error.message}`);
  return result;
}

describe("docker-compose.yml", () => {
  const result = composeConfig();
  const config = parse(result.stdout) as { services: Record<string, any> };
  const apps = ["chat", "wallet-watcher", "bet-stream", "gateway", "api"];

  it("is valid and runs NATS with JetStream, PostgreSQL, migrations, the five services and a CLI", () => {
    expect(result.status, result.stderr).toBe(0);
    expect(Object.keys(config.services).sort()).toEqual(["api", "bet-stream", "chat", "cli", "gateway", "migrate", "nats", "postgres", "wallet-watcher"]);
    expect(config.services.nats.command).toContain("-js");
    expect(config.services.cli.profiles).toEqual(["tools"]);
  });

  it("builds one image once and runs it everywhere", () => {
    const building = Object.entries(config.services).filter(([, s]) => s.build).map(([n]) => n);
    expect(building).toEqual(["migrate"]);
    for (const name of [...apps, "migrate", "cli"]) expect(config.services[name].image).toBe("socketpot:local");
  });

  it("starts each service on health: migrations after PostgreSQL accepts TCP, chat after them, the gateway after every service", () => {
    expect(config.services.postgres.healthcheck.test.join(" ")).toContain("pg_isready -h 127.0.0.1");
    expect(config.services.migrate.depends_on.postgres.condition).toBe("service_healthy");
    expect(config.services.migrate.restart).toBe("on-failure");
    expect(config.services.chat.depends_on.migrate.condition).toBe("service_completed_successfully");
    for (const name of apps) expect(config.services[name].depends_on.nats.condition).toBe("service_healthy");
    for (const name of ["chat", "wallet-watcher", "bet-stream"]) expect(config.services.gateway.depends_on[name].condition).toBe("service_healthy");
    expect(config.services.api.depends_on.chat.condition).toBe("service_healthy");
    for (const name of [...apps, "nats", "postgres"]) expect(config.services[name].healthcheck?.test, name).toBeDefined();
  });

  it("publishes only the gateway and the server API, on loopback, and seeds no demo data", () => {
    // docker-compose 1.x prints "127.0.0.1:3000:3000/tcp"; 2.x an object with host_ip.
    expect(JSON.stringify(config.services.gateway.ports)).toMatch(/127\.0\.0\.1:3000:3000|"host_ip":"127\.0\.0\.1"/);
    expect(JSON.stringify(config.services.api.ports)).toMatch(/127\.0\.0\.1:3100:3100|"host_ip":"127\.0\.0\.1"/);
    for (const name of ["gateway", "api"]) expect(config.services[name].ports).toHaveLength(1);
    for (const name of Object.keys(config.services)) if (name !== "gateway" && name !== "api") expect(config.services[name].ports, name).toBeUndefined();
    for (const name of apps) {
      expect(config.services[name].environment.SOCKETPOT_DEMO).toBe("off");
      expect(config.services[name].environment.NODE_ENV).toBe("production");
    }
  });
});

const setup = process.env.SOCKETPOT_COMPOSE_TEST === "off" ? { skip: "SOCKETPOT_COMPOSE_TEST=off" } : await startEngine();
if ("skip" in setup) console.warn(`compose test skipped: ${setup.skip}`);
const engine: Engine | undefined = "engine" in setup ? setup.engine : undefined;
const project = `socketpot_test_${process.pid}`;
let port = 0;
let apiPort = 0;
const clients: AnyClient[] = [];
const timings: Record<string, number> = {};

let stack = { project, files: FILES };
let clusterUp = false;

function compose(args: string[], timeoutMs = 600_000): string {
  const r = spawnSync("docker-compose", ["-p", stack.project, ...stack.files, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...engine!.env, SOCKETPOT_PORT: String(port), SOCKETPOT_API_PORT: String(apiPort), SOCKETPOT_BIND: "127.0.0.1" },
    encoding: "utf8",
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`docker-compose ${args.join(" ")} failed (${r.status}):\n${r.stdout?.slice(-3000)}\n${r.stderr?.slice(-3000)}`);
  return r.stdout;
}

// --no-deps: `run` would otherwise start a stopped dependency (a NATS node a test stopped).
const cli = (...args: string[]) => compose(["run", "--rm", "--no-deps", "-T", "cli", ...args], 120_000).trim().split("\n").pop()!;

/** Waits until every running container of the project reports healthy (the migrations: exited 0). */
async function allHealthy(timeoutMs = 300_000, containers = 7): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < until) {
    const ids = compose(["ps", "-q"]).trim().split("\n").filter(Boolean);
    const r = spawnSync("docker", ["inspect", "--format", "{{.Name}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} {{.State.ExitCode}}", ...ids], {
      env: { ...process.env, ...engine!.env },
      encoding: "utf8",
    });
    last = r.stdout;
    const rows = last.trim().split("\n").map((l) => l.split(" "));
    const ok = rows.length >= containers && rows.every(([name, status, health, code]) => (name!.includes("migrate") ? status === "exited" && code === "0" : health === "healthy"));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`not every service became healthy:\n${last}\n${compose(["logs", "--tail", "30"])}`);
}

async function timed(name: string, fn: () => unknown | Promise<unknown>): Promise<void> {
  const t0 = Date.now();
  await fn();
  timings[name] = (Date.now() - t0) / 1000;
}


async function authed(appId: number, token: string): Promise<{ client: AnyClient; res: any }> {
  const client = connectClient(`http://127.0.0.1:${port}`);
  clients.push(client);
  await connected(client, 30_000);
  const [err, res] = await request<any>(client, "auth", { app_id: appId, access_token: token, subscriptions: ["CHAT", "DEPOSITS"] });
  if (err) throw new Error(`auth failed: ${err}`);
  return { client, res };
}

afterAll(async () => {
  for (const c of clients) c.close();
  if (engine) {
    try {
      if (clusterUp) {
        try {
          compose(["down", "-v", "--remove-orphans"], 120_000);
        } finally {
          stack = { project, files: FILES };
        }
      }
      compose(["down", "-v", "--remove-orphans"], 120_000);
    } finally {
      if (timings.build) console.log(`compose timings (s): ${JSON.stringify(timings)}`);
      await engine.stop();
    }
  }
}, 180_000);

describe.skipIf(!engine)("docker compose, for real", () => {
  it("builds, starts healthy, serves a CLI-made user over socket.io, survives restarts and keeps its data across down + up", async () => {
    port = await freePort();
    apiPort = await freePort();
    await timed("build", () => compose(["build"], 1_200_000));
    await timed("up", async () => {
      compose(["up", "-d"]);
      await allHealthy();
    });

    const alice = JSON.parse(cli("directory", "user", "create", "--uname", "alice"));
    const app = JSON.parse(cli("directory", "app", "create", "--name", "Compose app", "--owner", "alice"));
    const token = cli("directory", "token", "issue", "--app", String(app.id), "--user", "alice");
    expect(token).toMatch(/^[0-9a-f-]{36}$/);

    const first = await authed(app.id, token);
    expect(first.res.user).toMatchObject({ uname: "alice", role: "OWNER" });
    const heard = once<any>(first.client, "new_message", 15_000);
    const [postErr] = await request(first.client, "new_message", { channel: "english", text: "hello from compose" });
    expect(postErr).toBeNull();
    expect((await heard).text).toBe("hello from compose");

    const tx = txid();
    const balance = once<any>(first.client, "balance_change", 30_000);
    cli("wallet", "deposit-confirmed", "--app", String(app.id), "--user", String(alice.auth_id), "--txid", tx, "--amount", "5000", "--balance-after", "5000");
    expect((await balance).balance).toBe(5000);

    await timed("restart", async () => {
      compose(["restart", "chat", "gateway"]);
      await allHealthy();
    });
    const afterRestart = await authed(app.id, token);
    expect(afterRestart.res.chat.messages.map((m: { text: string }) => m.text)).toContain("hello from compose");

    await timed("down", () => compose(["down"]));
    await timed("up-again", async () => {
      compose(["up", "-d"]);
      await allHealthy();
    });
    const later = await authed(app.id, token);
    expect(later.res.chat.messages.map((m: { text: string }) => m.text)).toContain("hello from compose");
    // The ledger survived: the same deposit again (a new event id) changes nothing, a new one does.
    const changes: any[] = [];
    later.client.on("balance_change", (p: any) => changes.push(p));
    cli("wallet", "deposit-confirmed", "--app", String(app.id), "--user", String(alice.auth_id), "--txid", tx, "--amount", "5000", "--balance-after", "5000");
    const next = once<any>(later.client, "balance_change", 30_000);
    cli("wallet", "deposit-confirmed", "--app", String(app.id), "--user", String(alice.auth_id), "--txid", txid(), "--amount", "700", "--balance-after", "5700");
    expect((await next).balance).toBe(5700);
    expect(changes.map((c) => c.balance)).toEqual([5700]);
  }, 1_800_000);

  it("runs on a three-node NATS cluster with 3 replicas and keeps chatting and notifying deposits with a node stopped", async () => {
    compose(["down", "-v"]);
    stack = { project: `${project}_cluster`, files: CLUSTER_FILES };
    clusterUp = true;
    await timed("cluster-up", async () => {
      compose(["up", "-d", "--no-build"]);
      await allHealthy(300_000, 10);
    });
    const jsz = JSON.parse(compose(["exec", "-T", "nats", "wget", "-qO-", "http://127.0.0.1:8222/jsz?streams=true"]));
    const streams = jsz.account_details.flatMap((a: any) => a.stream_detail);
    expect(streams.map((s: any) => s.name).sort()).toEqual(expect.arrayContaining(["KV_socketpot_directory", "KV_socketpot_wallet", "socketpot_DEPOSITS", "socketpot_WALLET"]));
    for (const s of streams) expect(s.cluster.replicas, s.name).toHaveLength(2);

    const carol = JSON.parse(cli("directory", "user", "create", "--uname", "carol"));
    const app = JSON.parse(cli("directory", "app", "create", "--name", "Cluster app", "--owner", "carol"));
    const token = cli("directory", "token", "issue", "--app", String(app.id), "--user", "carol");
    const { client } = await authed(app.id, token);
    const roundTrip = async (text: string, balanceAfter: number) => {
      const heard = once<any>(client, "new_message", 30_000);
      const [postErr] = await request(client, "new_message", { text }, 30_000);
      expect(postErr).toBeNull();
      expect((await heard).text).toBe(text);
      const balance = once<any>(client, "balance_change", 60_000);
      cli("wallet", "deposit-confirmed", "--app", String(app.id), "--user", String(carol.auth_id), "--txid", txid(), "--amount", "1000", "--balance-after", String(balanceAfter));
      expect((await balance).balance).toBe(balanceAfter);
    };
    await roundTrip("three nodes", 1_000);

    await timed("node-stopped", async () => {
      compose(["stop", "nats-2"]);
      await roundTrip("two nodes", 2_000);
      // A new socket authenticates too (the directory is read from the two left).
      expect((await authed(app.id, token)).res.user).toMatchObject({ uname: "carol" });
    });
    compose(["start", "nats-2"]);
    await allHealthy(300_000, 10);
    await roundTrip("three again", 3_000);
  }, 900_000);
});
