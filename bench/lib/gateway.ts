/**
 * The Socketpot gateway as a benchmark target: a random namespace on the local NATS, one
 * app and one user + access token per socket written with the directory writer, and the
 * gateway itself in a child process (gateway-child.ts).
 */
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { DEFAULT_CHANNEL, HISTORY_LIMIT, createNames, type Names } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { ledger, ledgerKey } from "@socketpot/wallet-watcher";
import { createBenchDatabase, type BenchDatabase } from "./bench-database";
import { spawnBetStream, spawnChat, type ServiceChild } from "./chat-child";
import { compiledChild } from "./compiled";
import { ChildHandle } from "./ipc";
import { probeOf, readyPort, type ServerChild } from "./servers";
import type { Target } from "./targets";

const CHILD = fileURLToPath(new URL("./gateway-child.ts", import.meta.url));

export const BENCH_APP_ID = 1;
const OWNER_AUTH_ID = 1;
const SEED_CONCURRENCY = 64;

export function natsUrl(): string {
  return process.env.NATS_URL ?? "nats://127.0.0.1:4222";
}

export interface GatewayServer extends ServerChild {
  stats(): Promise<{ sockets: number; rooms: number; relayed: number }>;
}

export async function startGatewayChild(namespace: string, opts: { port?: number; env?: Record<string, string> } = {}): Promise<GatewayServer> {
  const child = await compiledChild(CHILD);
  const handle = await ChildHandle.fork(child.path, {
    plain: !child.tsx,
    name: "gateway",
    args: [JSON.stringify({ namespace, port: opts.port ?? 0, natsUrl: natsUrl(), env: opts.env })],
    // BENCH_GATEWAY_NODE_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the gateway.
    nodeFlags: ["--expose-gc", ...(process.env.BENCH_GATEWAY_NODE_FLAGS ?? "").split(" ").filter(Boolean)],
    readyTimeoutMs: 60_000,
  });
  const port = readyPort(handle);
  return {
    kind: "gateway",
    port,
    url: `http://127.0.0.1:${port}`,
    handle,
    ...probeOf(handle),
    stats: () => handle.call("stats", {}, 10_000),
    stop: () => handle.stop(20_000),
  };
}

/** A namespace with a directory: one app, users with tokens, cleaned up by `dispose`. */
export class BenchDirectory {
  readonly tokens: string[] = [];
  readonly authIds: number[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly names: Names,
    readonly writer: DirectoryWriter,
  ) {}

  static async create(): Promise<BenchDirectory> {
    const nc = await connect({ servers: natsUrl().split(","), name: "socketpot-bench-seed", timeout: 5000 });
    const names = createNames(`bench_${randomBytes(5).toString("hex")}`);
    const writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
    await writer.createUser({ auth_id: OWNER_AUTH_ID, uname: "bench_owner" });
    await writer.createApp({ id: BENCH_APP_ID, name: "socketpot bench", owner_auth_id: OWNER_AUTH_ID });
    return new BenchDirectory(nc, names, writer);
  }

  get namespace(): string {
    return this.names.namespace;
  }

  /** Make sure `count` users exist, each with its own access token (bounded concurrency). */
  async seedUsers(count: number): Promise<void> {
    const start = this.tokens.length;
    if (count <= start) return;
    const tokens = new Array<string>(count - start);
    const ids = new Array<number>(count - start);
    let next = start;
    const lane = async () => {
      while (next < count) {
        const i = next++;
        const authId = OWNER_AUTH_ID + 1 + i;
        await this.writer.createUser({ auth_id: authId, uname: `bench_${authId}` });
        const token = await this.writer.issueToken({ app_id: BENCH_APP_ID, auth_id: authId });
        tokens[i - start] = token;
        ids[i - start] = authId;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, count - start) }, lane));
    this.tokens.push(...tokens);
    this.authIds.push(...ids);
  }

  /**
   * A deposit ledger for each user from `from` on, as wallet-watcher keeps it for a user who
   * had one deposit confirmed (two notifications), so a DEPOSITS auth reads its ledger as in
   * production instead of finding no ledger bucket.
   */
  async seedLedgers(from: number): Promise<void> {
    const kv = await new Kvm(this.nc).create(this.names.depositLedgerBucket, { history: 1 });
    const ids = this.authIds.slice(from);
    let next = 0;
    const lane = async () => {
      while (next < ids.length) {
        const authId = ids[next++]!;
        const at = { epoch: "bench", seq: authId };
        const state = ledger.LedgerState.parse({
          ...ledger.emptyState(BENCH_APP_ID, authId),
          confirmed: 150_000,
          confirmed_at: at,
          through: at,
          settled: [{ key: `${randomBytes(32).toString("hex")}:0`, status: "confirmed" }],
          applied: [`bench-${authId}-seen`, `bench-${authId}-confirmed`],
          produced: 2,
        });
        await kv.put(ledgerKey(BENCH_APP_ID, authId), JSON.stringify(state));
      }
    };
    await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, ids.length) }, lane));
  }

  async dispose(): Promise<void> {
    try {
      const kv = await new Kvm(this.nc).open(this.names.directoryBucket);
      await kv.destroy();
    } finally {
      await this.nc.close();
    }
  }
}

/**
 * A full lobby history (HISTORY_LIMIT messages of ordinary length) for the bench app, so a
 * CHAT auth's join reads and carries what it would in an app people chat in.
 */
async function seedChatHistory(url: string): Promise<void> {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  try {
    await sql.query(
      `INSERT INTO chat_message (app_id, channel, text, user_auth_id, user_uname, user_role)
       SELECT $1, $2, 'message ' || i || ': good luck with the next roll, it is your turn now', $3 + i % 20, 'bench_' || ($3 + i % 20), 'MEMBER'::"ChatRole"
       FROM generate_series(1, $4) AS i`,
      [BENCH_APP_ID, DEFAULT_CHANNEL, OWNER_AUTH_ID + 1, HISTORY_LIMIT],
    );
  } finally {
    await sql.end();
  }
}

/**
 * The gateway as a target. With BETS among the subscriptions, bet-stream runs in the
 * namespace (started with the first gateway, stopped by dispose), so a BETS auth takes the
 * same path as in production: the recent-bets request is answered, not timed out or refused.
 * With CHAT, the chat service runs the same way on a fresh database holding a full lobby
 * history (each CHAT auth joins the lobby and gets its 100 messages). With DEPOSITS, every
 * user has a deposit ledger, which each auth reads for its snapshot. `anonymous`: the
 * sockets send no access token.
 */
export async function gatewayTarget(opts: { subscriptions: string[]; anonymous?: boolean; env?: Record<string, string> }): Promise<Target> {
  const dir = await BenchDirectory.create();
  let betStream: Promise<ServiceChild> | undefined;
  let chat: Promise<{ service: ServiceChild; db: BenchDatabase }> | undefined;
  const needsBetStream = opts.subscriptions.includes("BETS");
  const needsChat = opts.subscriptions.includes("CHAT");
  const needsLedgers = opts.subscriptions.includes("DEPOSITS") && !opts.anonymous;
  let ledgersSeeded = 0;
  const startChat = async () => {
    const db = await createBenchDatabase();
    await seedChatHistory(db.url);
    const service = await spawnChat({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: dir.namespace, DATABASE_URL: db.url, LOG_LEVEL: "info" }).catch(async (err: unknown) => {
      await db.drop();
      throw err;
    });
    return { service, db };
  };
  /** The service children that started, by name. */
  const started = async (): Promise<{ name: string; service: ServiceChild }[]> => {
    const bs = await betStream?.catch(() => undefined);
    const ch = await chat?.catch(() => undefined);
    return [...(bs ? [{ name: "bet-stream", service: bs }] : []), ...(ch ? [{ name: "chat", service: ch.service }] : [])];
  };
  return {
    kind: "gateway",
    auth: { app_id: BENCH_APP_ID, subscriptions: opts.subscriptions },
    async prepare(count) {
      const t0 = performance.now();
      await dir.seedUsers(count);
      if (needsLedgers && ledgersSeeded < dir.authIds.length) {
        await dir.seedLedgers(ledgersSeeded);
        ledgersSeeded = dir.authIds.length;
      }
      console.error(`[bench] seeded ${count} users + tokens${needsLedgers ? " + deposit ledgers" : ""} in ${dir.namespace} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
    tokens: (count) => (opts.anonymous ? undefined : dir.tokens.slice(0, count)),
    async start(port) {
      if (needsBetStream) await (betStream ??= spawnBetStream({ NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: dir.namespace }));
      if (needsChat) await (chat ??= startChat());
      return startGatewayChild(dir.namespace, { port, env: opts.env });
    },
    async dispose() {
      for (const { service } of await started()) await service.stop();
      if (chat) await (await chat.catch(() => undefined))?.db.drop();
      if (betStream || chat || ledgersSeeded > 0) {
        // The services' streams and buckets; the directory bucket goes with dir.dispose().
        const jsm = await jetstreamManager(dir.nc);
        const streams: string[] = [];
        for await (const s of jsm.streams.list()) if (s.config.name.includes(dir.namespace) && !s.config.name.includes(dir.names.directoryBucket)) streams.push(s.config.name);
        for (const name of streams) await jsm.streams.delete(name).catch(() => undefined);
      }
      await dir.dispose();
    },
    serviceProcesses: async () => (await started()).map(({ name, service }) => ({ name, pid: service.child.pid })),
    publish: (subject, body) => dir.nc.publish(subject(dir.names), JSON.stringify(body)),
    flush: () => dir.nc.flush(),
  };
}
