/**
 * The README's server API block, run as written (curl through bash) against the demo app as
 * `npm start` seeds it, with its dev key: every line answers JSON that is no error.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_API_KEY, seedDemo } from "@socketpot/simulator";
import { startApi, type RunningApi } from "../support/api";
import { startChat, type RunningChat } from "../support/chat";
import { runShell } from "../support/cli";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { ROOT } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let db: TestDatabase;
let chat: RunningChat;
let api: RunningApi;

beforeAll(async () => {
  ns = await createTestNamespace();
  db = await createTestDatabase();
  await seedDemo(ns.nc, ns.names);
  chat = await startChat(ns.nc, ns.namespace, db.url);
  api = await startApi(ns.nc, ns.namespace);
});
afterAll(async () => {
  await api?.stop();
  await chat?.stop();
  await db?.drop();
  await ns?.cleanup();
});

function readmeApiBlock(): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = /## Server API[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README has no server API block");
  return block.split("\n").filter((l) => l.trim() !== "");
}

describe("the README's server API examples", () => {
  it("has one curl per endpoint, and each answers without an error with the demo's dev key", async () => {
    const [vars, ...curls] = readmeApiBlock();
    expect(vars).toContain(`KEY=${DEMO_API_KEY}`);
    expect(curls).toHaveLength(8);
    for (const line of curls) {
      expect(line.startsWith("curl ")).toBe(true);
      const result = await runShell(line, { API: api.url, KEY: DEMO_API_KEY });
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
      const body = JSON.parse(result.stdout);
      expect(body.error, `${line}\n${result.stdout}`).toBeUndefined();
    }
  });
});
