/**
 * The event size limit (MAX_EVENT_BYTES) counts the whole event: the JSON packet and every
 * binary attachment socket.io sends after it as packets of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, once, record, request, waitFor, type AnyClient } from "../support/clients";
import { startStack, type Stack } from "../support/stack";

let stack: Stack;
const clients: AnyClient[] = [];

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

describe("event size limit", () => {
  it("refuses a new_message carrying ~890 KB of binary attachments with client_error and INVALID_REQUEST, and posts nothing", async () => {
    const { app, gateway } = stack;
    const sender = (await authenticate(gateway.url, { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT"] }, clients))
      .client;
    const watcher = (await authenticate(gateway.url, { app_id: app.app_id, access_token: app.members[1]!.token, subscriptions: ["CHAT"] }, clients))
      .client;
    const posted = record(watcher, ["new_message"]);

    // Nine attachments of 99,000 bytes (each packet under the transport's 100 kB frame cap),
    // then a small one: each attachment is an engine.io packet of its own.
    const attachments = [...Array.from({ length: 9 }, () => Buffer.alloc(99_000, 7)), Buffer.alloc(10, 1)];
    const error = once<string>(sender, "client_error", 5_000);
    const [err, result] = await request(sender, "new_message", { text: "hello", channel: "lobby", attachments });
    expect(err).toBe("INVALID_REQUEST");
    expect(result).toBeUndefined();
    expect(await error).toMatch(/'new_message' payload is \d{6} bytes; the limit is 16384 bytes/);

    // The connection stays usable, and the refused message was never posted.
    const [okErr] = await request(sender, "new_message", { text: "small one" });
    expect(okErr).toBeNull();
    await waitFor(() => posted.length >= 1, 5_000, "the small message");
    await new Promise((r) => setTimeout(r, 200));
    expect(posted.map((p) => p.payload.text)).toEqual(["small one"]);
  });

  it("accepts a small event with a small attachment (only its size counts)", async () => {
    const { app, gateway } = stack;
    const sender = (await authenticate(gateway.url, { app_id: app.app_id, access_token: app.members[0]!.token, subscriptions: ["CHAT"] }, clients))
      .client;
    const [err] = await request(sender, "new_message", { text: "with a tiny attachment", extra: Buffer.alloc(100, 1) });
    expect(err).toBeNull();
  });
});
