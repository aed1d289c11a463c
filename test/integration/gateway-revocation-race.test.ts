/**
 * A token revoked while sockets are authenticating with it is never honoured: the gateway
 * watches the token from the moment it starts resolving it, and checks again after the slow
 * steps of auth (the chat join), so no socket keeps the user.
 *
 * Chat here is a stand-in on real NATS that answers joins after JOIN_DELAY_MS, so that the
 * revocation lands while every auth is in its slowest step.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Subscription } from "@nats-io/transport-node";
import { encode, type DepositFanout } from "@socketpot/contracts";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { connected, connectClient, record, request, waitFor, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

const JOIN_DELAY_MS = 400;

let ns: TestNamespace;
let gw: RunningGateway;
let writer: DirectoryWriter;
let app: SeededApp;
let slowChat: Subscription[] = [];
let joins = 0;
const clients: AnyClient[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  writer = await openDirectoryWriter(ns.nc, ns.names);
  app = await seedApp(writer, 1);
  const ok = (result: unknown) => encode({ ok: true, result });
  slowChat = [
    ns.nc.subscribe(ns.names.rpc.chatJoin, {
      callback: (_err, msg) => {
        joins++;
        setTimeout(() => msg.respond(ok({ chat: { messages: [], userlist: {} } })), JOIN_DELAY_MS);
      },
    }),
    ns.nc.subscribe(ns.names.rpc.chatLeave, {
      callback: (_err, msg) => {
        msg.respond(ok({}));
      },
    }),
  ];
  await ns.nc.flush();
  gw = await startGateway(ns.nc, ns.namespace);
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  for (const s of slowChat) s.unsubscribe();
  await ns?.cleanup();
});

interface Attempt {
  client: AnyClient;
  reply: Promise<[string | null | undefined, { user?: unknown } | undefined]>;
  deposits: Array<{ event: string }>;
}

function startAuth(token: string): Attempt {
  const client = connectClient(gw.url);
  clients.push(client);
  const deposits = record(client, ["balance_change"]);
  const reply = connected(client).then(() =>
    request<{ user?: unknown }>(client, "auth", { app_id: app.app_id, access_token: token, subscriptions: ["CHAT", "DEPOSITS"] }),
  );
  // A disconnected socket never gets its callback: count that as no reply.
  return { client, deposits, reply: reply.catch(() => [undefined, undefined] as [undefined, undefined]) };
}

/** No socket kept the user: each one is disconnected, or connected without a user. */
async function expectNoSocketKeepsTheUser(attempts: Attempt[]): Promise<void> {
  await Promise.all(attempts.map((a) => Promise.race([a.reply, new Promise((r) => setTimeout(r, 3_000))])));
  // Give a revocation that was honoured late the time to show; the deposit must reach nobody.
  ns.nc.publish(
    ns.names.fanout.deposits(app.app_id, app.members[0]!.auth_id),
    encode({ type: "confirmed", event_id: `race-${Date.now()}`, change: { balance: 1, diff: 1, seq: Date.now() } } satisfies DepositFanout),
  );
  await new Promise((r) => setTimeout(r, 500));
  const kept: number[] = [];
  for (const [i, a] of attempts.entries()) {
    const [, res] = await Promise.race([a.reply, Promise.resolve([undefined, undefined] as const)]);
    if (a.client.connected && res?.user !== undefined) kept.push(i);
    expect(a.deposits).toEqual([]);
  }
  expect(kept).toEqual([]);
}

describe("a token revoked during auth", () => {
  it("is not honoured by any of the sockets that were in the middle of their auth", async () => {
    const token = await writer.issueToken({ app_id: app.app_id, auth_id: app.members[0]!.auth_id });
    const before = joins;
    const attempts = Array.from({ length: 40 }, () => startAuth(token));
    // Every auth has resolved the token and is waiting for chat.
    await waitFor(() => joins - before === attempts.length, 10_000, "every auth to reach the chat join");
    await writer.revokeToken(token);
    await expectNoSocketKeepsTheUser(attempts);
  });

  it("is not honoured by any socket when it is revoked while many auths keep arriving", async () => {
    const token = await writer.issueToken({ app_id: app.app_id, auth_id: app.members[0]!.auth_id });
    const attempts: Attempt[] = [];
    for (let i = 0; i < 80; i++) {
      attempts.push(startAuth(token));
      if (i === 40) void writer.revokeToken(token);
      await new Promise((r) => setTimeout(r, 3));
    }
    await expectNoSocketKeepsTheUser(attempts);
  });
});
