/**
 * The demo page on a 390 px phone screen (Chromium): nothing scrolls sideways, before and
 * after connecting with chat, balances and bets filled; and the connection state is shown
 * at each step of a drop and reconnect (connecting, authenticating, connected, reconnecting).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { betIdBase, makeBet, publishBet } from "@socketpot/simulator";
import { launchBrowser, openPage, screenshot, type TrackedPage } from "../support/browser";
import { waitFor } from "../support/clients";
import { startStack, type Stack } from "../support/stack";

const SUITE = "demo-phone";
const PHONE = { width: 390, height: 844 };
let stack: Stack;
let browser: Browser;
let tracked: TrackedPage;

const sideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

beforeAll(async () => {
  stack = await startStack({ members: 1 });
  browser = await launchBrowser();
  tracked = await openPage(browser, PHONE);
  // Every state the status badge takes, in order.
  await tracked.page.addInitScript(() => {
    const w = window as unknown as { statusStates: string[] };
    w.statusStates = [];
    new MutationObserver(() => {
      const s = document.getElementById("status")?.dataset.state;
      if (s && w.statusStates.at(-1) !== s) w.statusStates.push(s);
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-state"] });
  });
}, 120_000);

afterAll(async () => {
  await tracked?.context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

describe("the demo page on a phone", () => {
  it("fits 390 px without sideways scrolling, before and after connecting", { timeout: 90_000 }, async () => {
    const { page } = tracked;
    await page.goto(`${stack.gateway.url}/`);
    await page.waitForSelector("#connect-button");
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await screenshot(page, SUITE, "before-connect");

    const member = stack.app.members[0]!;
    // A new load: the page reads the hash when it loads.
    await page.goto("about:blank");
    await page.goto(`${stack.gateway.url}/#app_id=${stack.app.app_id}&token=${member.token}`);
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    const base = betIdBase();
    const bettor = { uname: "a_rather_long_uname_for_x", auth_id: 4242 };
    for (let i = 0; i < 5; i++) publishBet(stack.ns.nc, stack.ns.names, makeBet({ id: base + i, appId: stack.app.app_id, user: bettor, jackpot: i === 4 }));
    await waitFor(async () => (await page.locator("#bets-table tbody tr").count()) >= 5, 20_000, "the bets");
    await page.fill("#chat-input", "a long unbroken word: " + "x".repeat(120));
    await page.press("#chat-input", "Enter");
    await page.locator("#messages .msg-text", { hasText: "a long unbroken word" }).waitFor();
    expect(await sideways(page)).toBeLessThanOrEqual(0);
    await screenshot(page, SUITE, "connected");
  });

  it("shows each connection state of a drop and reconnect", async () => {
    const { page } = tracked;
    await page.evaluate(() => ((window as unknown as { statusStates: string[] }).statusStates = []));
    // The transport drops (as on a network blip): the client reconnects by itself.
    for (const socket of stack.gateway.gateway.io.sockets.sockets.values()) socket.conn.close();
    await waitFor(async () => (await page.getAttribute("#status", "data-state")) === "reconnecting", 10_000, "the reconnecting state");
    expect(await page.textContent("#status")).toMatch(/reconnecting/);
    await screenshot(page, SUITE, "reconnecting");
    await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
    const states = await page.evaluate(() => (window as unknown as { statusStates: string[] }).statusStates);
    expect(states).toEqual(["reconnecting", "connecting", "ready"]);
    expect(await page.textContent("#status")).toMatch(/^connected/);
    // (The stack serves no /demo.json: its 404 is expected; script errors are not.)
    expect(tracked.errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
  });
});
