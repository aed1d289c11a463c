/**
 * A real headless browser for tests: Debian's Chromium driven by playwright-core.
 * No browser is ever downloaded; `.ci/run` installs the `chromium` package.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM_PATH = process.env.SOCKETPOT_CHROMIUM_PATH ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_ROOT = path.resolve(import.meta.dirname, "..", "..", "test-results", "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, timeout: 60_000 });
}

export interface TrackedPage {
  page: Page;
  context: BrowserContext;
  /** Uncaught exceptions and console errors seen on the page. */
  errors: string[];
}

/** A page in its own context (separate cookies and storage), recording its script errors. */
export async function openPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<TrackedPage> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  return { page, context, errors };
}

/**
 * Saves a full-page screenshot under test-results/screenshots/<suite>/<step>.png
 * (a test artifact, not committed) and returns its path.
 */
export async function screenshot(page: Page, suite: string, step: string): Promise<string> {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "");
  const dir = path.join(SCREENSHOT_ROOT, safe(suite));
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${safe(step)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
