/**
 * Chat input that once reached PostgreSQL or a plain object and broke there: text with a NUL
 * byte or a lone surrogate (INTERNAL_ERROR, a 33 KB log line) and a user named `__proto__`
 * (missing from every userlist). Each is now a client_error with INVALID_REQUEST, or works.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageObject } from "@socketpot/contracts";
import { record, request, waitFor, authenticate } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { useServers } from "../support/servers";

const servers = useServers({ apps: { app: 1 }, chat: { CHAT_RATE_LIMIT_COUNT: "0" }, gateways: { gw: {} } });
let gw: RunningGateway;
let app: SeededApp;
let writer: DirectoryWriter;

const authed = (token: string | undefined) =>
  authenticate(gw.url, { app_id: app.app_id, access_token: token, subscriptions: ["CHAT"] }, servers.clients);

beforeAll(() => {
  ({ writer, apps: { app }, gateways: { gw } } = servers);
});

describe("hostile chat input", () => {
  it.each([
    ["a NUL byte", "hello\u0000world", /NUL/],
    ["a lone high surrogate", "hello \ud83d world", /surrogate/],
    ["a lone low surrogate", "\udc00", /surrogate/],
  ])("text with %s gets INVALID_REQUEST and a client_error, and the socket keeps posting", async (_name, text, why) => {
    const sender = await authed(app.members[0]!.token);
    const errors = record(sender.client, ["client_error"]);
    const [err, result] = await request(sender.client, "new_message", { text });
    expect(err).toBe("INVALID_REQUEST");
    expect(result).toBeUndefined();
    await waitFor(() => errors.length === 1, 5_000, "client_error");
    expect(errors[0]!.payload).toMatch(why);
    const [okErr, ok] = await request<MessageObject>(sender.client, "new_message", { text: "still here 🎲" });
    expect(okErr).toBeNull();
    expect(ok!.text).toBe("still here 🎲");
  });

  it("a user named __proto__ is in the userlist like anyone else", async () => {
    const user = await writer.createUser({ uname: "__proto__" });
    const token = await writer.issueToken({ app_id: app.app_id, auth_id: user.auth_id });
    const proto = await authed(token);
    expect(proto.auth.user).toMatchObject({ uname: "__proto__" });
    expect(Object.keys(proto.auth.chat!.userlist)).toContain("__proto__");
    const other = await authed(app.members[0]!.token);
    expect(Object.prototype.hasOwnProperty.call(other.auth.chat!.userlist, "__proto__")).toBe(true);
    expect(other.auth.chat!.userlist["__proto__"]).toEqual({ uname: "__proto__", auth_id: user.auth_id, role: "MEMBER" });
  });
});
