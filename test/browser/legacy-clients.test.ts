/**
 * Apps written in 2015 load socket.io-client 1.x or 2.x in the browser. Their page is served
 * from another origin than the gateway (as a Moneypot app's is), so the first transport is
 * cross-origin long-polling with credentials, upgraded to a websocket.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { connected, connectClient, record, request, waitFor, type AnyClient } from "../support/clients";
import { launchBrowser, openPage, screenshot, type TrackedPage } from "../support/browser";
import { legacyClientBundles, legacyPage, serveFiles, type StaticServer } from "../support/static-server";
import { startStack, type Stack } from "../support/stack";

interface LegacyState {
  connected: boolean;
  transport?: string;
  auth: { user?: { uname: string }; chat?: { messages: Array<{ text: string }> }; subscriptions: string[] } | null;
  authError: string | null;
  messages: Array<{ text: string; user?: { uname: string } }>;
  clientErrors: string[];
  errors: string[];
}

let stack: Stack;
let browser: Browser;
let pages: StaticServer;
let owner: AnyClient;
let ownerEvents: Array<{ event: string; payload: any }>;
const opened: TrackedPage[] = [];

beforeAll(async () => {
  stack = await startStack({ members: 2 });
  browser = await launchBrowser();
  pages = await serveFiles({
    "/legacy.html": legacyPage,
    "/v1/socket.io.js": legacyClientBundles.v1,
    "/v2/socket.io.js": legacyClientBundles.v2,
  });
  owner = connectClient(stack.gateway.url);
  await connected(owner);
  const [err] = await request(owner, "auth", { app_id: stack.app.app_id, access_token: stack.app.owner.token, subscriptions: ["CHAT"] });
  expect(err).toBeNull();
  ownerEvents = record(owner, ["new_message"]);
  const [postErr] = await request(owner, "new_message", { text: "history before the old clients came" });
  expect(postErr).toBeNull();
}, 120_000);

afterAll(async () => {
  owner?.close();
  for (const p of opened) await p.context.close().catch(() => undefined);
  await browser?.close();
  await pages?.close();
  await stack?.stop();
});

describe.each([
  ["v1", 0],
  ["v2", 1],
] as const)("socket.io-client %s in a browser", (client, memberIndex) => {
  it("authenticates, receives history and a live message, and posts one", async () => {
    const me = stack.app.members[memberIndex]!;
    const tracked = await openPage(browser);
    opened.push(tracked);
    const { page } = tracked;
    const query = new URLSearchParams({ client, gateway: stack.gateway.url, app_id: String(stack.app.app_id), token: me.token });
    await page.goto(`${pages.url}/legacy.html?${query.toString()}`);

    const state = () => page.evaluate(() => (window as unknown as { legacy: LegacyState }).legacy);
    await page.waitForFunction(() => {
      const s = (window as unknown as { legacy?: LegacyState }).legacy;
      return Boolean(s && (s.auth || s.authError));
    }, undefined, { timeout: 30_000 });
    let s = await state();
    expect(s.authError).toBeNull();
    // Old clients open with cross-origin long-polling (XHR with credentials): CORS must allow it.
    expect(s.transport).toBe("polling");
    expect(s.auth?.user?.uname).toBe(me.uname);
    expect(s.auth?.subscriptions).toEqual(["CHAT"]);
    expect(s.auth?.chat?.messages.map((m) => m.text)).toContain("history before the old clients came");

    const live = `live message for ${client}`;
    const [err] = await request(owner, "new_message", { text: live });
    expect(err).toBeNull();
    await page.waitForFunction((text) => (window as unknown as { legacy: LegacyState }).legacy.messages.some((m) => m.text === text), live);

    const mine = `hello from socket.io-client ${client}`;
    const posted = await page.evaluate((text) => (window as unknown as { legacy: { post(t: string): Promise<{ err: string | null }> } }).legacy.post(text), mine);
    expect(posted.err).toBeNull();
    await waitFor(() => ownerEvents.some((e) => e.payload.text === mine), 10_000, `the ${client} post at the owner`);
    expect(ownerEvents.find((e) => e.payload.text === mine)?.payload.user).toMatchObject({ uname: me.uname, role: "MEMBER" });

    s = await state();
    expect(s.clientErrors).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(tracked.errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
    await screenshot(page, "legacy-clients", `${client}-chat`);
  });
});
