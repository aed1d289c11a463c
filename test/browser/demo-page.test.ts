/**
 * The demo page in a real browser (Debian's Chromium), against the whole product: two
 * people chat, the owner mutes a member, a deposit and bets stream in. A screenshot of each
 * step is kept under test-results/screenshots/demo-page/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { betIdBase, depositEvents, makeBet, publishBet, publishWalletEvent } from "@socketpot/simulator";
import { launchBrowser, openPage, screenshot, type TrackedPage } from "../support/browser";
import { startStack, type Stack } from "../support/stack";
import type { SeededUser } from "../support/directory";

const SUITE = "demo-page";
let stack: Stack;
let browser: Browser;
let owner: TrackedPage;
let member: TrackedPage;
const pages: TrackedPage[] = [];

async function signIn(user: SeededUser | undefined): Promise<TrackedPage> {
  const tracked = await openPage(browser);
  pages.push(tracked);
  const hash = new URLSearchParams({ app_id: String(stack.app.app_id), ...(user ? { token: user.token } : {}) });
  await tracked.page.goto(`${stack.gateway.url}/#${hash.toString()}`);
  await tracked.page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
  return tracked;
}

/** Types into the chat box of the current tab and presses Enter. */
async function say(page: Page, text: string): Promise<void> {
  await page.fill("#chat-input", text);
  await page.press("#chat-input", "Enter");
}

const messageText = (page: Page) => page.locator("#messages .msg .msg-text");

beforeAll(async () => {
  stack = await startStack({ members: 2 });
  browser = await launchBrowser();
  owner = await signIn(stack.app.owner);
  member = await signIn(stack.app.members[0]);
}, 120_000);

afterAll(async () => {
  for (const p of pages) await p.context.close().catch(() => undefined);
  await browser?.close();
  await stack?.stop();
});

describe("the demo page", () => {
  it("shows who is signed in and the live userlist on both pages", async () => {
    expect(await owner.page.textContent("#whoami")).toContain(`${stack.app.owner.uname} (OWNER)`);
    expect(await member.page.textContent("#whoami")).toContain(`${stack.app.members[0]!.uname} (MEMBER)`);
    for (const { page } of [owner, member]) {
      await page.waitForSelector(`#userlist li[data-uname="${stack.app.owner.uname}"]`);
      await page.waitForSelector(`#userlist li[data-uname="${stack.app.members[0]!.uname}"]`);
    }
    await screenshot(owner.page, SUITE, "01-owner-signed-in");
    await screenshot(member.page, SUITE, "01-member-signed-in");
  });

  it("lets the owner and a member chat with each other", async () => {
    await say(owner.page, "hello from the owner");
    await member.page.locator("#messages .msg-user", { hasText: "hello from the owner" }).waitFor();
    await say(member.page, "hi owner, member here");
    await owner.page.locator("#messages .msg-user", { hasText: "hi owner, member here" }).waitFor();
    const authorOnOwnerPage = owner.page.locator("#messages .msg-user", { hasText: "hi owner, member here" }).locator(".msg-author");
    expect(await authorOnOwnerPage.textContent()).toBe(stack.app.members[0]!.uname);
    await screenshot(owner.page, SUITE, "02-owner-chat");
    await screenshot(member.page, SUITE, "02-member-chat");
  });

  it("keeps channels in tabs, with an unread count on the tab not shown", async () => {
    await owner.page.click('#channel-tabs .tab[data-channel="support"]');
    await say(owner.page, "support question answered");
    const tab = member.page.locator('#channel-tabs .tab[data-channel="support"] .unread');
    await expect.poll(() => tab.textContent(), { timeout: 10_000 }).toBe("1");
    expect(await messageText(member.page).allTextContents()).not.toContain("support question answered");
    await member.page.click('#channel-tabs .tab[data-channel="support"]');
    await member.page.locator("#messages .msg-user", { hasText: "support question answered" }).waitFor();
    expect(await tab.textContent()).toBe("");
    await screenshot(member.page, SUITE, "03-member-support-tab");
    await member.page.click('#channel-tabs .tab[data-channel="lobby"]');
    await owner.page.click('#channel-tabs .tab[data-channel="lobby"]');
  });

  it("renders chat text as text, never as HTML", async () => {
    const evil = `<img src=x onerror="window.__injected=1"><b>bold?</b>`;
    await say(member.page, evil);
    await owner.page.locator("#messages .msg-text", { hasText: "<b>bold?</b>" }).waitFor();
    expect(await owner.page.locator("#messages b, #messages img").count()).toBe(0);
    expect(await owner.page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
  });

  it("lets the owner mute the member, whose next post shows USER_IS_MUTED", async () => {
    const memberName = stack.app.members[0]!.uname;
    // The owner clicks the member in the userlist, which prepares the command.
    await owner.page.click(`#userlist li[data-uname="${memberName}"]`);
    expect(await owner.page.inputValue("#chat-input")).toBe(`/mute ${memberName} 10m`);
    await owner.page.press("#chat-input", "Enter");
    // The mute is announced to everybody as a system message, styled apart from user messages.
    for (const { page } of [owner, member]) {
      await page.locator("#messages .msg-system", { hasText: `muted ${memberName}` }).waitFor();
    }
    await screenshot(member.page, SUITE, "04-member-sees-mute");

    await say(member.page, "am I muted?");
    await member.page.locator("#chat-error", { hasText: "USER_IS_MUTED" }).waitFor();
    await member.page.locator("#event-log .log-error", { hasText: "USER_IS_MUTED" }).waitFor();
    await screenshot(member.page, SUITE, "05-member-muted");

    // The rejected post never reached the owner: a later message does, and it is not before it.
    await say(owner.page, "after the mute");
    await member.page.locator("#messages .msg-user", { hasText: "after the mute" }).waitFor();
    await owner.page.locator("#messages .msg-user", { hasText: "after the mute" }).waitFor();
    expect(await messageText(owner.page).allTextContents()).not.toContain("am I muted?");

    await say(owner.page, `/unmute ${memberName}`);
    await member.page.locator("#messages .msg-system", { hasText: `unmuted ${memberName}` }).waitFor();
  });

  it("moves the member's balances on a simulated deposit: unconfirmed first, then confirmed", async () => {
    const me = stack.app.members[0]!;
    const { seen, confirmed } = depositEvents({ appId: stack.app.app_id, authId: me.auth_id, amount: 250_000, balanceAfter: 250_000 });
    await publishWalletEvent(stack.js, stack.ns.names, seen);
    await member.page.waitForSelector('#unconfirmed[data-satoshis="250000"]');
    expect(await member.page.textContent("#unconfirmed")).toBe("2,500 bits");
    await screenshot(member.page, SUITE, "06-deposit-unconfirmed");

    await publishWalletEvent(stack.js, stack.ns.names, confirmed);
    await member.page.waitForSelector('#confirmed[data-satoshis="250000"]');
    await member.page.waitForSelector('#unconfirmed[data-satoshis="0"]');
    await screenshot(member.page, SUITE, "07-deposit-confirmed");

    // Only that user's pages hear about it.
    expect(await owner.page.getAttribute("#confirmed", "data-satoshis")).toBe("");
    // (The owner's unconfirmed balance is its own snapshot from the auth response: none.)
    expect(await owner.page.getAttribute("#unconfirmed", "data-satoshis")).toBe("0");
  });

  it("recovers the deposit notifications missed while its connection was down and says how many", async () => {
    const me = stack.app.members[0]!;
    const { io } = stack.gateway.gateway;
    const room = stack.ns.names.fanout.deposits(stack.app.app_id, me.auth_id);
    // The member's connections drop (not a disconnect by either side): the page reconnects by itself.
    for (const id of io.of("/").adapter.rooms.get(room) ?? []) io.of("/").sockets.get(id)?.conn.close();
    for (let i = 1; i <= 3; i++) {
      await publishWalletEvent(stack.js, stack.ns.names, {
        event_id: `demo-recover-${Date.now()}-${i}`,
        app_id: stack.app.app_id,
        auth_id: me.auth_id,
        type: "balance_adjusted",
        reason: "transfer_in",
        amount: 1_000,
        balance_after: 250_000 + 1_000 * i,
      });
    }
    await member.page.waitForSelector('#deposits-recovered[data-recovered="3"]', { timeout: 15_000 });
    expect(await member.page.textContent("#deposits-recovered")).toBe("reconnected: recovered 3 missed notifications");
    expect(await member.page.getAttribute("#confirmed", "data-satoshis")).toBe("253000");
    await screenshot(member.page, SUITE, "07b-deposits-recovered");
  });

  it("streams bets into the All Bets table, jackpots highlighted", async () => {
    let id = betIdBase();
    const bettor = { auth_id: stack.app.members[1]!.auth_id, uname: stack.app.members[1]!.uname };
    const bets = [
      makeBet({ id: id++, appId: stack.app.app_id, user: bettor }),
      makeBet({ id: id++, appId: stack.app.app_id, user: bettor }),
      makeBet({ id: id++, appId: stack.app.app_id, user: bettor, jackpot: true }),
    ];
    for (const bet of bets) publishBet(stack.ns.nc, stack.ns.names, bet);
    for (const { page } of [owner, member]) {
      for (const bet of bets) await page.waitForSelector(`#bets-table tbody tr[data-id="${bet.id}"]`);
    }
    const jackpot = bets[2]!;
    expect(await member.page.getAttribute(`#bets-table tbody tr[data-id="${jackpot.id}"]`, "class")).toContain("jackpot");
    expect(await member.page.textContent(`#bets-table tbody tr[data-id="${jackpot.id}"]`)).toContain(bettor.uname);
    await screenshot(member.page, SUITE, "08-bets");
  });

  it("shows client_error and the callback's error when the client breaks a rule", async () => {
    await member.page.click("#send-invalid");
    await member.page.locator("#event-log .log-client_error").first().waitFor();
    await member.page.locator("#event-log .log-error", { hasText: "INVALID_REQUEST" }).waitFor();
    expect(await member.page.textContent("#event-log .log-client_error")).toMatch(/300/);
    await screenshot(member.page, SUITE, "09-client-error");
  });

  it("lets an anonymous visitor read the chat and the bets but not post", async () => {
    const anon = await signIn(undefined);
    expect(await anon.page.textContent("#whoami")).toBe("anonymous");
    await anon.page.locator("#messages .msg-user", { hasText: "after the mute" }).waitFor();
    await say(anon.page, "can I talk?");
    await anon.page.locator("#chat-error", { hasText: "Not sent" }).waitFor();
    await screenshot(anon.page, SUITE, "10-anonymous");
  });

  it("ran without script errors on any page", () => {
    for (const p of pages) expect(p.errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
  });
});
