/**
 * `npm start` as a developer runs it (scripts/dev-start.ts, the four services as child
 * processes) in a namespace and database of its own: in development it seeds the demo and
 * the demo page works with simulated traffic; with SOCKETPOT_DEMO=off it seeds nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { dropDatabase } from "@socketpot/chat";
import { DirectoryReader, openDirectoryBucket } from "@socketpot/service-kit";
import { DEMO_API_KEY, DEMO_USERS, DemoInfo } from "@socketpot/simulator";
import { launchBrowser, openPage, screenshot } from "../support/browser";
import { waitFor } from "../support/clients";
import { databaseUrlFor } from "../support/database";
import { ROOT } from "../support/gateway";
import { freePortRun } from "../support/ports";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  url: string;
}

let ns: TestNamespace;
let production: TestNamespace;
let dir: string;
const databases: string[] = [];
const running: Started[] = [];

async function npmStart(space: TestNamespace, args: string[], env: Record<string, string>): Promise<Started> {
  const port = await freePortRun();
  const database = databaseUrlFor(`socketpot_start_${Math.random().toString(36).slice(2, 10)}`);
  databases.push(database);
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/dev-start.ts", ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NATS_URL: natsUrl(),
      DATABASE_URL: database,
      SOCKETPOT_NAMESPACE: space.namespace,
      PORT: String(port),
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const started: Started = { child, output: () => out, exited, url: `http://localhost:${port}` };
  running.push(started);
  await waitFor(() => out.includes("Socketpot is running") || child.exitCode !== null, 180_000, "npm start to be ready");
  if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${out}`);
  return started;
}

async function stopStart(started: Started): Promise<number | null> {
  if (started.child.exitCode === null) started.child.kill("SIGINT");
  return started.exited;
}

beforeAll(async () => {
  ns = await createTestNamespace();
  production = await createTestNamespace();
  dir = await mkdtemp(path.join(tmpdir(), "socketpot-start-"));
});

afterAll(async () => {
  for (const s of running) {
    if (s.child.exitCode !== null) continue;
    // Ctrl-C first: npm start stops its services; SIGKILL only if it hangs.
    s.child.kill("SIGINT");
    const timer = setTimeout(() => s.child.kill("SIGKILL"), 20_000);
    await s.exited;
    clearTimeout(timer);
  }
  for (const db of databases) await dropDatabase(db).catch(() => undefined);
  await ns?.cleanup();
  await production?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("npm start", () => {
  it("seeds the demo in development, serves the page and, with --simulate, streams bets and deposits", async () => {
    const demoFile = path.join(dir, "demo.json");
    const started = await npmStart(ns, ["--simulate"], { SOCKETPOT_DEMO_FILE: demoFile });
    try {
      const banner = started.output();
      for (const u of DEMO_USERS) expect(banner).toContain(`${started.url}/#app_id=1&token=${u.token}`);
      expect(banner).toContain("Simulated Moneypot traffic is on");

      const res = await fetch(`${started.url}/demo.json`);
      expect(res.status).toBe(200);
      const demo = DemoInfo.parse(await res.json());
      expect(demo.users.map((u) => [u.uname, u.role])).toEqual(DEMO_USERS.map((u) => [u.uname, u.role]));

      // The server API runs too, and the banner's dev key acts for the demo app.
      expect(banner).toContain(`dev-only key for app 1: ${DEMO_API_KEY}`);
      const apiUrl = /Server API: (http:\/\/localhost:\d+)/.exec(banner)?.[1];
      const posted = await fetch(`${apiUrl}/v1/apps/1/chat/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${DEMO_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "Welcome from the server API", as: "system" }),
      });
      expect(posted.status).toBe(201);

      const browser = await launchBrowser();
      try {
        const pages: Page[] = [];
        for (const uname of ["kate", "max"]) {
          const { page } = await openPage(browser);
          await page.goto(`${started.url}/`);
          await page.click(`.demo-user[data-uname="${uname}"]`);
          await page.waitForSelector('#status[data-state="ready"]', { timeout: 30_000 });
          pages.push(page);
        }
        const [kate, max] = pages as [Page, Page];
        // The simulated bet stream fills the All Bets table.
        await waitFor(async () => (await kate.locator("#bets-table tbody tr").count()) >= 3, 30_000, "simulated bets");
        // Simulated deposits go to kate or max and confirm a few seconds later (a page opened
        // late may only see the confirmation; the unconfirmed step is the demo-page test's).
        const confirmedOn = async () => {
          for (const page of pages) {
            if ((await page.getAttribute("#confirmed", "data-satoshis")) !== "") return page;
          }
          return undefined;
        };
        await waitFor(async () => (await confirmedOn()) !== undefined, 90_000, "a simulated deposit to confirm");
        const depositor = (await confirmedOn())!;
        expect(Number(await depositor.getAttribute("#confirmed", "data-satoshis"))).toBeGreaterThan(0);
        expect(await depositor.locator("#balance-log .balance-confirmed").count()).toBeGreaterThanOrEqual(1);
        await kate.fill("#chat-input", "hello from npm start");
        await kate.press("#chat-input", "Enter");
        await max.locator("#messages .msg-user", { hasText: "hello from npm start" }).waitFor();
        await screenshot(depositor, "npm-start", "demo-with-simulated-traffic");
      } finally {
        await browser.close();
      }
    } finally {
      expect(await stopStart(started)).toBe(0);
    }
  }, 360_000);

  it("seeds nothing with SOCKETPOT_DEMO=off", async () => {
    const demoFile = path.join(dir, "off.json");
    const started = await npmStart(production, [], { SOCKETPOT_DEMO: "off", SOCKETPOT_DEMO_FILE: demoFile });
    try {
      expect(started.output()).not.toContain("Demo app_id");
      expect(started.output()).not.toContain("dev-only key");
      expect((await fetch(`${started.url}/demo.json`)).status).toBe(404);
      expect((await fetch(`${started.url}/`)).status).toBe(200);
      expect(existsSync(demoFile)).toBe(false);
      const reader = new DirectoryReader(await openDirectoryBucket(production.nc, production.names));
      expect(await reader.getApp(1)).toBeUndefined();
      for (const u of DEMO_USERS) expect(await reader.findUserByUname(u.uname)).toBeUndefined();
    } finally {
      expect(await stopStart(started)).toBe(0);
    }
  }, 300_000);
});
