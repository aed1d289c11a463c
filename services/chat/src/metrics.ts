/** The chat service's Prometheus metrics (on the process registry; see service-kit metrics). */
import { Counter, Histogram, RpcError, type Registry } from "@socketpot/service-kit";

export interface ChatMetrics {
  /** Runs one RPC's work, counting posts by outcome and timing the (database-bound) work. */
  timed<T>(operation: "join" | "post" | "leave", work: () => Promise<T>): Promise<T>;
}

export function createChatMetrics(registry: Registry): ChatMetrics {
  const posts = new Counter({
    name: "socketpot_chat_posts_total",
    help: "Chat posts by outcome: ok, or the error code the poster got (MUTED, RATE_LIMITED, INTERNAL_ERROR, ...)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const db = new Histogram({
    name: "socketpot_chat_db_seconds",
    help: "Time to serve a chat request (its PostgreSQL work), by operation",
    labelNames: ["operation"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  posts.inc({ outcome: "ok" }, 0);
  return {
    async timed(operation, work) {
      const end = db.startTimer({ operation });
      try {
        const result = await work();
        if (operation === "post") posts.inc({ outcome: "ok" });
        return result;
      } catch (err) {
        if (operation === "post") posts.inc({ outcome: err instanceof RpcError ? err.code : "INTERNAL_ERROR" });
        throw err;
      } finally {
        end();
      }
    },
  };
}
