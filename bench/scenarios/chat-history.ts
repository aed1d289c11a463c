/**
 * Reading an app's latest 100 messages (the `AuthResponse.chat.messages` query) from a
 * chat_message table holding millions of rows, through the chat repository (Prisma), with
 * the (app_id, id DESC) index — and, as the same-run baseline, the same query with index
 * scans disabled. Also prints the EXPLAIN (ANALYZE) plan.
 *
 * Flags: --rows 2000000 --apps 1000 --reads 200. DATABASE_URL (server) from env.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { ChatRepository, applyMigrations, createPrisma, dropDatabase, ensureDatabase } from "@socketpot/chat";

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function timeReads(count: number, read: (appId: number) => Promise<unknown>, apps: number) {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const appId = 1 + Math.floor(Math.random() * apps);
    const t0 = performance.now();
    await read(appId);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

export default {
  name: "chat-history",
  description: "latest 100 messages of an app from a table of millions of rows (index vs no index)",
  async run(args: Record<string, string>) {
    const rows = Math.min(10_000_000, Math.max(10_000, Number(args.rows ?? 2_000_000)));
    const apps = Math.min(100_000, Math.max(1, Number(args.apps ?? 1000)));
    const reads = Math.min(1000, Math.max(10, Number(args.reads ?? 200)));
    const server = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
    server.pathname = `/socketpot_bench_${randomBytes(4).toString("hex")}`;
    const url = server.toString();
    await ensureDatabase(url);
    const sql = new pg.Client({ connectionString: url });
    const prisma = createPrisma({ url, poolMax: 2 });
    try {
      await applyMigrations(url);
      await sql.connect();
      const t0 = performance.now();
      await sql.query(
        `INSERT INTO chat_message (app_id, channel, text, created_at, user_auth_id, user_uname, user_role)
         SELECT 1 + (i % $2), 'lobby', 'message number ' || i, now() - make_interval(secs => ($1 - i)),
                1 + (i % 5000), 'user' || (i % 5000), 'MEMBER'
         FROM generate_series(1, $1) AS i`,
        [rows, apps],
      );
      await sql.query("ANALYZE chat_message");
      const loadSeconds = (performance.now() - t0) / 1000;

      const repo = new ChatRepository(prisma);
      const sample = await repo.recentMessages(1, 100);
      if (sample.length !== Math.min(100, Math.ceil(rows / apps))) throw new Error(`expected 100 messages, got ${sample.length}`);
      const indexed = await timeReads(reads, (a) => repo.recentMessages(a, 100), apps);
      const plan = await sql.query(
        "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT * FROM chat_message WHERE app_id = 42 ORDER BY id DESC LIMIT 100",
      );

      // Baseline: the same query without the index (sequential scan + top-N sort).
      const noIndexReads = Math.max(5, Math.floor(reads / 20));
      const noIndex = await timeReads(
        noIndexReads,
        async (a) => {
          await sql.query("BEGIN");
          await sql.query("SET LOCAL enable_indexscan = off");
          await sql.query("SET LOCAL enable_bitmapscan = off");
          await sql.query("SELECT * FROM chat_message WHERE app_id = $1 ORDER BY id DESC LIMIT 100", [a]);
          await sql.query("COMMIT");
        },
        apps,
      );
      const f = (x: number) => Number(x.toFixed(2));
      return {
        title: `Chat history: latest 100 of one app among ${rows.toLocaleString("en-US")} messages (${apps} apps)`,
        rows: [
          { query: "repository.recentMessages (index app_id, id DESC)", reads, "p50 ms": f(indexed.p50), "p99 ms": f(indexed.p99) },
          {
            query: "same SQL, index scans disabled (baseline)",
            reads: noIndexReads,
            "p50 ms": f(noIndex.p50),
            "p99 ms": f(noIndex.p99),
          },
          { query: "speed-up at p50", reads: "", "p50 ms": `${f(noIndex.p50 / indexed.p50)}x`, "p99 ms": "" },
        ],
        notes: [
          `Loaded ${rows} rows in ${loadSeconds.toFixed(1)} s (generate_series).`,
          "EXPLAIN (ANALYZE) of the history query:",
          ...plan.rows.map((r: Record<string, string>) => `    ${r["QUERY PLAN"]}`),
        ],
      };
    } finally {
      await prisma.$disconnect().catch(() => undefined);
      await sql.end().catch(() => undefined);
      await dropDatabase(url);
    }
  },
};
