/**
 * Edge limits decide about every client event before the gateway does any work for it: an
 * event the gateway's EventAdmission refuses gets a client_error and its error code, and no
 * NATS request is made for it; an admitted event is released once it has been answered.
 * Chat here is a stand-in on real NATS that counts the posts it receives.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startChatStandIn, type ChatStandIn } from "../support/chat-stand-in";
import type { AdmissionRequest, EventAdmission } from "@socketpot/gateway";
import { authenticate, once, request, waitFor, type AnyClient } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let gw: RunningGateway;
let app: SeededApp;
let standIn: ChatStandIn | undefined;
let posts = 0;
const clients: AnyClient[] = [];
const asked: AdmissionRequest[] = [];
let released = 0;
const closed: string[] = [];
let flood = false;

/** Refuses posts while `flood` is set; admits everything else. */
const admission: EventAdmission = {
  admit(req) {
    asked.push(req);
    if (req.event === "new_message" && flood) return { ok: false, error: "RATE_LIMITED", text: "Too many events: slow down." };
    return { ok: true, release: () => void released++ };
  },
  closed: (socketId) => void closed.push(socketId),
};

beforeAll(async () => {
  ns = await createTestNamespace();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 1);
  standIn = await startChatStandIn(ns.nc, ns.names, (m, reply) => {
    posts++;
    reply(m);
  });
  gw = await startGateway(ns.nc, ns.namespace, {}, { admission });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.stop();
  standIn?.stop();
  await ns?.cleanup();
});

describe("edge admission", () => {
  it("is asked about every event with its socket, app, user and size, and releases each answered one", async () => {
    const member = app.members[0]!;
    const { client } = await authenticate(gw.url, { app_id: app.app_id, access_token: member.token, subscriptions: ["CHAT"] }, clients);
    const auth = asked.find((r) => r.event === "auth");
    expect(auth).toMatchObject({ socketId: expect.any(String), bytes: expect.any(Number) });
    expect(auth?.appId).toBeUndefined();
    const [err] = await request(client, "new_message", { text: "hello" });
    expect(err).toBeNull();
    const post = asked.findLast((r) => r.event === "new_message");
    expect(post).toMatchObject({ appId: app.app_id, authId: member.auth_id, socketId: auth!.socketId });
    expect(post!.bytes).toBeGreaterThan(10);
    // Unknown events are asked about too (a flood of them costs the gateway as well).
    const [unknownErr] = await request(client, "no_such_event", {});
    expect(unknownErr).toBe("INVALID_REQUEST");
    expect(asked.some((r) => r.event === "no_such_event")).toBe(true);
    await waitFor(() => released === asked.length, 2_000, "every admitted event released");
    client.close();
    await waitFor(() => closed.includes(auth!.socketId), 2_000, "the socket's close");
  });

  it("answers a refused event with the admission's error and client_error, before any NATS request", async () => {
    const { client } = await authenticate(gw.url, { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT"] }, clients);
    const before = posts;
    flood = true;
    try {
      const text = once<string>(client, "client_error", 5_000);
      const [err] = await request(client, "new_message", { text: "flood" });
      expect(err).toBe("RATE_LIMITED");
      expect(await text).toBe("Too many events: slow down.");
      await ns.nc.flush();
      expect(posts).toBe(before);
    } finally {
      flood = false;
    }
  });
});
