/**
 * A paused service (SIGSTOP) must not act on requests its callers gave up on: posts that got
 * INTERNAL_ERROR at the gateway's RPC timeout are not posted when chat resumes (their
 * deadline travels with the request), and each is counted as expired.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatObject, MessageObject } from "@socketpot/contracts";
import { authenticate, request, waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import { servicePath, spawnService, type ChildService, type RunningGateway } from "../support/gateway";
import { opsUrlFrom, sampleMetric } from "../support/scrape";
import { useServers } from "../support/servers";

const RPC_TIMEOUT_MS = 1_500;
const STALE_POSTS = 10;

const servers = useServers({
  apps: { app: 1 },
  database: true,
  gateways: { gw: { RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS) } },
  async beforeGateways({ ns, db }) {
    chat = await spawnService(
      servicePath("chat"),
      { SOCKETPOT_NAMESPACE: ns.namespace, DATABASE_URL: db!.url, CHAT_RATE_LIMIT_COUNT: "1000", OPS_PORT: "0", OPS_HOST: "127.0.0.1" },
      /chat started/,
      45_000,
    );
    await waitFor(() => opsUrlFrom(chat.output()) !== undefined, 10_000, "chat's ops endpoint");
    chatOps = opsUrlFrom(chat.output())!;
  },
});
let app: SeededApp;
let chat: ChildService;
let chatOps: string;
let gw: RunningGateway;

beforeAll(() => {
  ({ apps: { app }, gateways: { gw } } = servers);
});

afterAll(async () => {
  if (chat) {
    chat.child.kill("SIGCONT");
    await chat.kill();
  }
});

/** Authenticates, retrying while a busy machine makes chat's join miss the short RPC timeout. */
async function authenticateRetrying(auth: { app_id: number; access_token: string; subscriptions: string[] }) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await authenticate(gw.url, auth, servers.clients);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
}

describe("a paused chat service", () => {
  it("does not post, on resuming, the messages whose senders were told they failed", async () => {
    const auth = { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT"] };
    const { client } = await authenticateRetrying(auth);
    expect((await request(client, "new_message", { text: "before the pause" }))[0]).toBeNull();
    const expiredBefore = await sampleMetric(chatOps, "socketpot_rpc_expired_total", { endpoint: "post" });

    chat.child.kill("SIGSTOP");
    let answers: Array<[string | null | undefined, unknown]>;
    try {
      answers = await Promise.all(Array.from({ length: STALE_POSTS }, (_, i) => request(client, "new_message", { text: `stale ${i}` })));
      // Well past every deadline before chat reads the requests.
      await new Promise((r) => setTimeout(r, RPC_TIMEOUT_MS));
    } finally {
      chat.child.kill("SIGCONT");
    }
    expect(answers.map(([err]) => err)).toEqual(Array(STALE_POSTS).fill("INTERNAL_ERROR"));

    // Chat caught up: a post after the resume goes through, and history has none of the stale ones.
    const [err] = await request<MessageObject>(client, "new_message", { text: "after the pause" }, 10_000);
    expect(err).toBeNull();
    const { auth: fresh } = await authenticateRetrying(auth);
    const texts = (fresh.chat as ChatObject).messages.map((m) => m.text);
    expect(texts).toContain("before the pause");
    expect(texts).toContain("after the pause");
    expect(texts.filter((t) => t.startsWith("stale"))).toEqual([]);
    expect(await sampleMetric(chatOps, "socketpot_rpc_expired_total", { endpoint: "post" })).toBe(expiredBefore + STALE_POSTS);
  });
});
