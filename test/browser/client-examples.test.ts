/**
 * The browser quick-start of docs/CLIENT-EXAMPLES.md, taken verbatim from the document and
 * run in Chromium from another origin than the gateway: it authenticates, shows a live
 * message, and its `say()` posts one.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, openPage, screenshot } from "../support/browser";
import { connected, connectClient, record, request, waitFor, type AnyClient } from "../support/clients";
import { ROOT } from "../support/gateway";
import { serveFiles, type StaticServer } from "../support/static-server";
import { startStack, type Stack } from "../support/stack";

let stack: Stack;
let browser: Browser;
let server: StaticServer;
let dir: string;
let owner: AnyClient;

/** The first ```html block of the document. */
async function quickStartHtml(): Promise<string> {
  const doc = await readFile(path.join(ROOT, "docs", "CLIENT-EXAMPLES.md"), "utf8");
  const match = /```html\n([\s\S]*?)```/.exec(doc);
  if (!match?.[1]) throw new Error("docs/CLIENT-EXAMPLES.md has no html example");
  return match[1];
}

beforeAll(async () => {
  stack = await startStack({ members: 1 });
  browser = await launchBrowser();
  dir = await mkdtemp(path.join(tmpdir(), "socketpot-examples-"));
  const html = (await quickStartHtml())
    .replaceAll("http://localhost:3000", stack.gateway.url)
    .replace("app_id: 1,", `app_id: ${stack.app.app_id},`)
    .replace("access_token: undefined,", `access_token: "${stack.app.members[0]!.token}",`);
  expect(html).toContain(stack.app.members[0]!.token);
  await writeFile(path.join(dir, "quick-start.html"), html);
  server = await serveFiles({ "/quick-start.html": path.join(dir, "quick-start.html") });
  owner = connectClient(stack.gateway.url);
  await connected(owner);
  const [err] = await request(owner, "auth", { app_id: stack.app.app_id, access_token: stack.app.owner.token, subscriptions: ["CHAT"] });
  expect(err).toBeNull();
}, 120_000);

afterAll(async () => {
  owner?.close();
  await browser?.close();
  await server?.close();
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("docs/CLIENT-EXAMPLES.md quick-start", () => {
  it("authenticates, logs a live message and posts with say()", async () => {
    const me = stack.app.members[0]!;
    const { page, errors } = await openPage(browser);
    await page.goto(`${server.url}/quick-start.html`);
    await page.locator("#log li", { hasText: "[auth] Success" }).waitFor({ timeout: 30_000 });
    expect(await page.locator("#log li", { hasText: "[auth] Success" }).textContent()).toContain(`"uname":"${me.uname}"`);

    await request(owner, "new_message", { text: "<i>owner</i> says hi" });
    await page.locator("#log li", { hasText: "<i>owner</i> says hi" }).waitFor();
    expect(await page.locator("#log i").count()).toBe(0);

    const heard = record(owner, ["new_message"]);
    await page.evaluate(() => (window as unknown as { say(text: string): void }).say("hello from the quick-start"));
    await waitFor(() => heard.some((e) => e.payload.text === "hello from the quick-start"), 10_000, "the quick-start's post");
    await page.locator("#log li", { hasText: "Sent message" }).waitFor();
    expect(errors.filter((e) => e.startsWith("pageerror"))).toEqual([]);
    await screenshot(page, "client-examples", "quick-start");
  });
});
