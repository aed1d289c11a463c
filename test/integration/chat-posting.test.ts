import { beforeAll, describe, expect, it } from "vitest";
import type { MessageObject } from "@socketpot/contracts";
import { record, request, waitFor, authenticate } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import { useServers } from "../support/servers";

const servers = useServers({ apps: { app: 2, otherApp: 1 }, chat: { CHAT_RATE_LIMIT_COUNT: "0" }, gateways: { a: {}, b: {} } });
let gwA: RunningGateway;
let gwB: RunningGateway;
let app: SeededApp;
let otherApp: SeededApp;

const authed = (gw: RunningGateway, appId: number, token: string | undefined, subscriptions: string[]) =>
  authenticate(gw.url, { app_id: appId, access_token: token, subscriptions }, servers.clients);

beforeAll(() => {
  ({ apps: { app, otherApp }, gateways: { a: gwA, b: gwB } } = servers);
});

describe("posting chat messages", () => {
  it("stores a trimmed message in 'lobby' and delivers it once to every CHAT socket of the app on every gateway", async () => {
    const sender = await authed(gwA, app.app_id, app.members[0]!.token, ["CHAT"]);
    const sameGateway = await authed(gwA, app.app_id, app.members[1]!.token, ["CHAT"]);
    const otherGateway = await authed(gwB, app.app_id, app.owner.token, ["CHAT", "BETS"]);
    const anonymous = await authed(gwB, app.app_id, undefined, ["CHAT"]);
    const betsOnly = await authed(gwB, app.app_id, app.members[1]!.token, ["BETS"]);
    const foreign = await authed(gwA, otherApp.app_id, otherApp.members[0]!.token, ["CHAT"]);
    const logs = [sender, sameGateway, otherGateway, anonymous, betsOnly, foreign].map((s) => record(s.client, ["new_message"]));

    const [err, message] = await request<MessageObject>(sender.client, "new_message", { text: "  hello, world!  " });
    expect(err).toBeNull();
    expect(message).toMatchObject({
      channel: "lobby",
      text: "hello, world!",
      user: { uname: app.members[0]!.uname, auth_id: app.members[0]!.auth_id, role: "MEMBER" },
    });
    expect(typeof message!.id).toBe("number");
    expect(new Date(message!.created_at).toISOString()).toBe(message!.created_at);

    await waitFor(() => logs.slice(0, 4).every((l) => l.length >= 1), 10_000, "the message on every CHAT socket");
    // A marker message proves nothing else is in flight before checking for duplicates.
    await request(sender.client, "new_message", { text: "marker" });
    await waitFor(() => logs.slice(0, 4).every((l) => l.length >= 2), 10_000, "the marker");
    for (const log of logs.slice(0, 4)) {
      expect(log.map((e) => e.payload)).toEqual([message, expect.objectContaining({ text: "marker" })]);
    }
    expect(logs[4]).toEqual([]);
    expect(logs[5]).toEqual([]);
  });

  it("delivers messages of every channel to every chat socket", async () => {
    const sender = await authed(gwB, app.app_id, app.members[1]!.token, ["CHAT"]);
    const reader = await authed(gwA, app.app_id, undefined, ["CHAT"]);
    const log = record(reader.client, ["new_message"]);
    const [err, message] = await request<MessageObject>(sender.client, "new_message", { channel: "support:vip-1_a", text: "help" });
    expect(err).toBeNull();
    expect(message).toMatchObject({ channel: "support:vip-1_a", text: "help" });
    await waitFor(() => log.length === 1, 10_000, "the support message");
    expect(log[0]!.payload).toEqual(message);
  });

  it.each([
    [{ channel: "x".repeat(41), text: "hi" }, /channel/],
    [{ channel: "Lobby", text: "hi" }, /channel/],
    [{ channel: "lob by", text: "hi" }, /channel/],
    [{ text: "    " }, /text/],
    [{ text: "x".repeat(301) }, /text/],
    [{ text: 42 }, /text/],
  ])("rejects %j with client_error and INVALID_REQUEST", async (payload, why) => {
    const sender = await authed(gwA, app.app_id, app.members[0]!.token, ["CHAT"]);
    const errors = record(sender.client, ["client_error"]);
    const [err, result] = await request(sender.client, "new_message", payload);
    expect(err).toBe("INVALID_REQUEST");
    expect(result).toBeUndefined();
    await waitFor(() => errors.length === 1, 5_000, "client_error");
    expect(errors[0]!.payload).toMatch(why);
  });

  it("accepts exactly 300 chars after trim and a 40-char channel", async () => {
    const sender = await authed(gwA, app.app_id, app.members[0]!.token, ["CHAT"]);
    const text = "y".repeat(300);
    const [err, message] = await request<MessageObject>(sender.client, "new_message", { channel: "c".repeat(40), text: `\n ${text} \t` });
    expect(err).toBeNull();
    expect(message!.text).toBe(text);
  });

  it("lets a socket without a user read but not post (LOGIN_REQUIRED)", async () => {
    const reader = await authed(gwA, app.app_id, undefined, ["CHAT"]);
    const errors = record(reader.client, ["client_error"]);
    const [err] = await request(reader.client, "new_message", { text: "hi" });
    expect(err).toBe("LOGIN_REQUIRED");
    await waitFor(() => errors.length === 1, 5_000, "client_error");
  });

  it("refuses posts from a socket not subscribed to CHAT (NOT_SUBSCRIBED)", async () => {
    const s = await authed(gwA, app.app_id, app.members[0]!.token, ["BETS"]);
    const [err] = await request(s.client, "new_message", { text: "hi" });
    expect(err).toBe("NOT_SUBSCRIBED");
  });

  it("never lets messages cross into another app, history included", async () => {
    const s = await authed(gwB, otherApp.app_id, otherApp.members[0]!.token, ["CHAT"]);
    const [err, mine] = await request<MessageObject>(s.client, "new_message", { text: "other app only" });
    expect(err).toBeNull();
    const fresh = await authed(gwA, app.app_id, undefined, ["CHAT"]);
    expect(fresh.auth.chat!.messages.some((m) => m.id === mine!.id)).toBe(false);
    const again = await authed(gwA, otherApp.app_id, undefined, ["CHAT"]);
    expect(again.auth.chat!.messages.map((m) => m.text)).toEqual(["other app only"]);
  });
});
