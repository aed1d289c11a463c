/**
 * The gateway's edge limits with real socket.io clients: events per second, unanswered events
 * and bytes per second, per socket and per user across a gateway. An event over a limit gets
 * RATE_LIMITED (and, at most once a second per socket, a client_error saying which limit)
 * before any NATS request: chat here is a stand-in on real NATS that counts the posts it
 * receives, and can hold them unanswered.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Msg } from "@nats-io/transport-node";
import { startChatStandIn, type ChatStandIn } from "../support/chat-stand-in";
import { authenticate, record, request, waitFor, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { EDGE_LIMITS_OFF, startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let app: SeededApp;
let standIn: ChatStandIn | undefined;
let posts = 0;
let hold = false;
const held: Msg[] = [];
const clients: AnyClient[] = [];
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 3);
  standIn = await startChatStandIn(ns.nc, ns.names, (m, reply) => {
    posts++;
    if (hold) held.push(m);
    else reply(m);
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  for (const g of gateways) await g.stop();
  standIn?.stop();
  await ns?.cleanup();
});

async function gatewayWith(env: Record<string, string>): Promise<RunningGateway> {
  // Every limit off but the ones the test is about.
  const gw = await startGateway(ns.nc, ns.namespace, { ...EDGE_LIMITS_OFF, ...env });
  gateways.push(gw);
  return gw;
}

const chatClient = async (gw: RunningGateway, member: number) =>
  (await authenticate(gw.url, { app_id: app.app_id, access_token: app.members[member]!.token, subscriptions: ["CHAT"] }, clients)).client;

const post = (c: AnyClient, text = "hello") => request(c, "new_message", { text }).then(([err]) => err ?? "ok");

/** Posts the stand-in received after the gateway has sent everything it was going to. */
async function postsSince(before: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 100));
  await ns.nc.flush();
  return posts - before;
}

describe("edge limits", () => {
  it("refuse a socket's events over its rate with RATE_LIMITED and one client_error, before any NATS request", async () => {
    // 1 a second: the counts below hold however slowly a busy machine runs the 12 posts (up to 1 s).
    const gw = await gatewayWith({ EDGE_SOCKET_EVENTS_PER_S: "1", EDGE_SOCKET_EVENTS_BURST: "6" });
    const flooder = await chatClient(gw, 0);
    const errors = record(flooder, ["client_error"]);
    const before = posts;
    // The auth took one of the six.
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => post(flooder, `flood ${i}`)));
    expect(answers.filter((a) => a === "ok")).toHaveLength(5);
    expect(answers.filter((a) => a === "RATE_LIMITED")).toHaveLength(7);
    expect(await postsSince(before)).toBe(5);
    expect(errors.map((e) => e.payload)).toEqual([expect.stringMatching(/^Too many events: at most 1 per second \(bursts of 6\) per connection\./)]);

    // Someone else is not affected, and the flooder may post again once the bucket refilled.
    expect(await post(await chatClient(gw, 1))).toBe("ok");
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await post(flooder)).toBe("ok");
  });

  it("tell a socket that emits without a callback why its events are refused", async () => {
    const gw = await gatewayWith({ EDGE_SOCKET_EVENTS_PER_S: "1", EDGE_SOCKET_EVENTS_BURST: "2" });
    const c = await chatClient(gw, 0);
    expect(await post(c)).toBe("ok");
    const errors = record(c, ["client_error"]);
    const before = posts;
    c.emit("new_message", { text: "no callback" });
    await waitFor(() => errors.length === 1, 5_000, "client_error");
    expect(errors[0]!.payload).toMatch(/Too many events/);
    expect(await postsSince(before)).toBe(0);
  });

  it("count all of a user's sockets on a gateway against the user's rate", async () => {
    const gw = await gatewayWith({ EDGE_SOCKET_EVENTS_PER_S: "10", EDGE_SOCKET_EVENTS_BURST: "10", EDGE_USER_EVENTS_PER_S: "1", EDGE_USER_EVENTS_BURST: "8" });
    // Two sockets of one user (their auths count per socket only: the user is not known yet).
    const [a, b] = [await chatClient(gw, 2), await chatClient(gw, 2)];
    const before = posts;
    const answers = await Promise.all([...Array.from({ length: 5 }, () => post(a)), ...Array.from({ length: 5 }, () => post(b))]);
    expect(answers.filter((x) => x === "ok")).toHaveLength(8);
    expect(answers.filter((x) => x === "RATE_LIMITED")).toHaveLength(2);
    expect(await postsSince(before)).toBe(8);
    const other = await chatClient(gw, 1);
    expect(await Promise.all(Array.from({ length: 5 }, () => post(other)))).toEqual(Array(5).fill("ok"));
  });

  it("refuse events beyond the unanswered ones a socket and a user may have at once", async () => {
    const gw = await gatewayWith({ EDGE_SOCKET_PENDING: "2", EDGE_USER_PENDING: "3" });
    const [a, b] = [await chatClient(gw, 0), await chatClient(gw, 0)];
    hold = true;
    try {
      const before = posts;
      const pendingA = [post(a, "a1"), post(a, "a2")];
      expect(await post(a, "a3")).toBe("RATE_LIMITED");
      const pendingB = post(b, "b1");
      expect(await post(b, "b2")).toBe("RATE_LIMITED");
      await waitFor(() => held.length === 3, 5_000, "three held posts");
      expect(await postsSince(before)).toBe(3);
      hold = false;
      for (const m of held.splice(0)) standIn!.reply(m);
      expect(await Promise.all([...pendingA, pendingB])).toEqual(["ok", "ok", "ok"]);
      // Answered events are released: the socket may send again.
      expect(await post(a, "a4")).toBe("ok");
    } finally {
      hold = false;
      for (const m of held.splice(0)) standIn!.reply(m);
    }
  });

  it("meter a socket's bytes per second", async () => {
    const gw = await gatewayWith({ EDGE_SOCKET_BYTES_PER_S: "100", EDGE_SOCKET_BYTES_BURST: "1500" });
    const c = await chatClient(gw, 1);
    const before = posts;
    const text = "x".repeat(280);
    // Each post is about 300 bytes encoded; the auth took about 100.
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(c, text)));
    expect(answers.filter((x) => x === "ok")).toHaveLength(4);
    expect(answers.filter((x) => x === "RATE_LIMITED")).toHaveLength(4);
    expect(await postsSince(before)).toBe(4);
  });

  it("disconnect a socket that keeps flooding far over its limits, with a client_error saying why", async () => {
    const gw = await gatewayWith({
      EDGE_SOCKET_EVENTS_PER_S: "5",
      EDGE_SOCKET_EVENTS_BURST: "5",
      EDGE_DISCONNECT_REFUSALS_PER_S: "10",
      EDGE_DISCONNECT_REFUSALS_BURST: "20",
    });
    const flooder = await chatClient(gw, 0);
    const errors = record(flooder, ["client_error"]);
    const gone = new Promise<string>((r) => flooder.on("disconnect", (reason: string) => r(reason)));
    for (let i = 0; i < 100; i++) flooder.emit("new_message", { text: `flood ${i}` }, () => undefined);
    expect(await gone).toBe("io server disconnect");
    expect(errors.map((e) => e.payload).at(-1)).toMatch(/^Disconnecting: more than 10 events per second \(bursts of 20\) over the limits/);
    // Others on that gateway are fine.
    expect(await post(await chatClient(gw, 1))).toBe("ok");
  });
});
