/**
 * The operator CLI, run the way the docs write it (`npm run cli -- ...` through a shell), on
 * a directory seeded as `npm start` seeds it: the README's sequence as written, then every
 * documented action with its output and exit code.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo, DEMO_APP_NAME } from "@socketpot/simulator";
import { DirectoryReader, openDirectoryBucket } from "@socketpot/service-kit";
import { authenticate, once, type AnyClient } from "../support/clients";
import { ROOT, startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, natsUrl, type TestNamespace } from "../support/nats";
import { npmCli, runShell } from "../support/cli";
import { startWalletWatcher, txid, type RunningWatcher } from "../support/wallet";

let ns: TestNamespace;
let gw: RunningGateway;
let watcher: RunningWatcher;
const clients: AnyClient[] = [];

const cli = (...args: string[]) => npmCli(ns.namespace, ...args);
const json = (stdout: string) => stdout.split("\n").map((l) => JSON.parse(l));

/** The command lines of the README's operator CLI block, as written. */
function readmeCliLines(): string[] {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = /The operator CLI[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README has no operator CLI block");
  return block.split("\n").filter((l) => l.startsWith("npm run cli -- "));
}

beforeAll(async () => {
  ns = await createTestNamespace();
  gw = await startGateway(ns.nc, ns.namespace);
  watcher = await startWalletWatcher(ns.nc, natsUrl(), ns.namespace);
  await seedDemo(ns.nc, ns.names); // what `npm start` does first
});
afterAll(async () => {
  for (const c of clients) c.close();
  await watcher?.stop();
  await gw?.stop();
  await ns?.cleanup();
});

describe("the README's operator CLI sequence", () => {
  it("runs as written next to the demo: alice's app is app 2, her token works until revoked, the demo app is untouched", async () => {
    const lines = readmeCliLines();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    const env = { NATS_URL: natsUrl(), SOCKETPOT_NAMESPACE: ns.namespace };
    let token = "";
    for (const line of lines) {
      const command = line.replace("<token>", token);
      if (command.includes("token revoke")) {
        // Before the revoke: the token authenticates alice as the OWNER of app 2.
        const { client, auth } = await authenticate(gw.url, { app_id: 2, access_token: token, subscriptions: ["DEPOSITS"] }, clients);
        expect(auth.user).toMatchObject({ uname: "alice", role: "OWNER" });
        const gone = once(client, "disconnect");
        const result = await runShell(command, env);
        expect(result.code, `${command}\n${result.stderr}`).toBe(0);
        await gone;
        continue;
      }
      const result = await runShell(command, env);
      expect(result.code, `${command}\n${result.stderr}`).toBe(0);
      const out = result.stdout;
      if (command.includes(" help")) expect(out).toContain("directory user create");
      if (command.includes("user create")) expect(JSON.parse(out)).toMatchObject({ uname: "alice" });
      if (command.includes("app create")) expect(JSON.parse(out)).toMatchObject({ id: 2, name: "My app" });
      if (command.includes("token issue")) {
        expect(out).toMatch(/^[0-9a-f-]{36}$/);
        token = out;
      }
      if (command.includes("show --app 2")) expect(JSON.parse(out)).toMatchObject({ id: 2, owner: { uname: "alice" }, mods: [] });
      if (command.includes("list users")) expect(json(out).map((u) => u.uname)).toEqual(["ryan", "sarah", "kate", "max", "alice"]);
      if (command.includes("deposit-seen")) expect(JSON.parse(out)).toMatchObject({ event: { auth_id: 3, amount: 50000 }, duplicate: false });
      if (command.includes("bets generate")) expect(JSON.parse(out)).toMatchObject({ published: 2000 });
    }
    expect(token).not.toBe("");
    const reader = new DirectoryReader(await openDirectoryBucket(ns.nc, ns.names));
    const demo = (await reader.getApp(1))!;
    expect(demo.name).toBe(DEMO_APP_NAME);
    expect(await reader.roleOf(demo, (await reader.findUserByUname("ryan"))!.auth_id)).toBe("OWNER");
  }, 240_000);
});

// Each test runs several `npm run cli` processes (a few seconds each on a busy machine).
describe("every documented action", { timeout: 120_000 }, () => {
  it("user create refuses a taken uname (any case) or auth_id with exit 4, and an explicit id moves the counter past it", async () => {
    expect(JSON.parse((await cli("directory", "user", "create", "--uname", "cu_bob", "--id", "700")).stdout)).toEqual({ auth_id: 700, uname: "cu_bob" });
    const again = await cli("directory", "user", "create", "--uname", "CU_BOB");
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/^error: uname CU_BOB is taken by auth_id 700/);
    expect((await cli("directory", "user", "create", "--uname", "cu_other", "--id", "700")).code).toBe(4);
    const next = JSON.parse((await cli("directory", "user", "create", "--uname", "cu_carol")).stdout);
    expect(next.auth_id).toBeGreaterThan(700);
  });

  it("app create refuses a taken id (exit 4), an unknown owner (exit 3) and a missing flag (exit 2)", async () => {
    const taken = await cli("directory", "app", "create", "--name", "Clash", "--owner", "ryan", "--id", "1");
    expect(taken.code).toBe(4);
    expect(taken.stderr).toBe("error: app 1 exists");
    const noOwner = await cli("directory", "app", "create", "--name", "Nobody's", "--owner", "no_such_user");
    expect([noOwner.code, noOwner.stderr]).toEqual([3, "error: no user no_such_user"]);
    const missing = await cli("directory", "app", "create", "--name", "x");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--owner is required");
    const created = JSON.parse((await cli("directory", "app", "create", "--name", "Explicit", "--owner", "1", "--id", "900")).stdout);
    expect(created).toEqual({ id: 900, name: "Explicit", owner_auth_id: 1 });
  });

  it("app origins sets and lifts the pages an app's sockets may authenticate from; a malformed origin is exit 2", async () => {
    const created = JSON.parse((await cli("directory", "app", "create", "--name", "Locked", "--owner", "1", "--origins", "https://dice.example")).stdout);
    expect(created.allowed_origins).toEqual(["https://dice.example"]);
    const set = await cli("directory", "app", "origins", "--app", String(created.id), "--origins", "https://a.example, http://localhost:8080");
    expect(JSON.parse(set.stdout).allowed_origins).toEqual(["https://a.example", "http://localhost:8080"]);
    const lifted = JSON.parse((await cli("directory", "app", "origins", "--app", String(created.id), "--origins", "")).stdout);
    expect(lifted).toEqual({ id: created.id, name: "Locked", owner_auth_id: 1 });
    const bad = await cli("directory", "app", "origins", "--app", String(created.id), "--origins", "https://a.example/path");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("is not scheme://host[:port]");
  });

  it("mod add / mod remove change the role, and show --app lists the mods", async () => {
    const added = await cli("directory", "mod", "add", "--app", "1", "--user", "kate");
    expect(JSON.parse(added.stdout)).toMatchObject({ app_id: 1, uname: "kate", role: "MOD" });
    const shown = JSON.parse((await cli("directory", "show", "--app", "1")).stdout);
    expect(shown).toMatchObject({ id: 1, name: DEMO_APP_NAME, owner: { uname: "ryan" } });
    expect(shown.mods.map((m: { uname: string }) => m.uname).sort()).toEqual(["kate", "sarah"]);
    const removed = await cli("directory", "mod", "remove", "--app", "1", "--user", "kate");
    expect(JSON.parse(removed.stdout)).toMatchObject({ uname: "kate", role: "MEMBER" });
    expect((await cli("directory", "mod", "add", "--app", "99", "--user", "kate")).code).toBe(3);
  });

  it("show --user names the apps a user owns or moderates; an unknown one is exit 3", async () => {
    const ryan = JSON.parse((await cli("directory", "show", "--user", "ryan")).stdout);
    expect(ryan).toMatchObject({ auth_id: 1, uname: "ryan" });
    expect(ryan.apps).toContainEqual({ app_id: 1, name: DEMO_APP_NAME, role: "OWNER" });
    expect(JSON.parse((await cli("directory", "show", "--user", "2")).stdout)).toMatchObject({ uname: "sarah", apps: [{ app_id: 1, role: "MOD" }] });
    const unknown = await cli("directory", "show", "--user", "nobody_here");
    expect([unknown.code, unknown.stderr]).toEqual([3, "error: no user nobody_here"]);
    expect((await cli("directory", "show")).code).toBe(2);
  });

  it("token issue --ttl --json prints the token with its record; list tokens shows hashes only; revoke of an unknown token is exit 3", async () => {
    const issued = JSON.parse((await cli("directory", "token", "issue", "--app", "1", "--user", "max", "--ttl", "3600", "--json")).stdout);
    expect(issued).toMatchObject({ app_id: 1, uname: "max", token: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(Date.parse(issued.expires_at) - Date.now()).toBeGreaterThan(3_500_000);
    const listed = json((await cli("directory", "list", "tokens", "--app", "1", "--user", "max")).stdout);
    expect(listed.some((t) => t.expires_at === issued.expires_at)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    expect((await cli("directory", "token", "issue", "--app", "1", "--user", "nobody_here")).code).toBe(3);
    expect((await cli("directory", "token", "revoke", "--token", issued.token)).code).toBe(0);
    const twice = await cli("directory", "token", "revoke", "--token", issued.token);
    expect(twice.code).toBe(3);
  });

  it("list apps prints one JSON app per line", async () => {
    const apps = json((await cli("directory", "list", "apps")).stdout);
    expect(apps[0]).toEqual({ id: 1, name: DEMO_APP_NAME, owner_auth_id: 1 });
  });

  it("wallet deposit-confirmed, deposit-dropped and adjust publish; dead-letters with none prints nothing and says so on stderr", async () => {
    const tx = txid();
    const base = ["--app", "1", "--user", "4"];
    const confirmed = await cli("wallet", "deposit-confirmed", ...base, "--txid", tx, "--amount", "5000", "--balance-after", "5000");
    expect(JSON.parse(confirmed.stdout)).toMatchObject({ event: { type: "deposit_confirmed" }, duplicate: false });
    const dropped = await cli("wallet", "deposit-dropped", ...base, "--txid", txid(), "--reason", "evicted");
    expect(JSON.parse(dropped.stdout)).toMatchObject({ event: { type: "deposit_dropped", reason: "evicted" } });
    const adjusted = await cli("wallet", "adjust", ...base, "--amount", "-1000", "--balance-after", "4000");
    expect(JSON.parse(adjusted.stdout)).toMatchObject({ event: { type: "balance_adjusted", reason: "withdrawal" } });
    expect((await cli("wallet", "adjust", ...base, "--amount", "1", "--balance-after", "1", "--reason", "gift")).code).toBe(2);
    const none = await cli("wallet", "dead-letters");
    expect([none.code, none.stdout, none.stderr]).toEqual([0, "", "no dead letters"]);
  });

  it("bets stats with no bet-stream running is exit 3", async () => {
    const stats = await cli("bets", "stats");
    expect([stats.code, stats.stderr]).toEqual([3, "error: no bet-stream replica answered"]);
  });

  it("help lists every action; an unknown command, action or flag is exit 2 with the usage", async () => {
    const help = await cli("help");
    expect(help.code).toBe(0);
    for (const action of ["user create", "app create", "mod add", "mod remove", "token issue", "token revoke", "show", "list apps", "list users", "list tokens"]) {
      expect(help.stdout).toContain(`directory ${action}`);
    }
    expect((await cli("nonsense")).code).toBe(2);
    const action = await cli("directory", "app", "delete");
    expect([action.code, action.stderr.split("\n")[0]]).toEqual([2, "error: unknown action: directory app delete"]);
    const flag = await cli("directory", "list", "apps", "--colour");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("usage: directory list apps");
  });

  it("says which NATS it cannot reach, with exit 1", async () => {
    const result = await runShell("npm run cli -- directory list apps", { NATS_URL: "nats://127.0.0.1:1", SOCKETPOT_NAMESPACE: ns.namespace });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("cannot reach NATS at nats://127.0.0.1:1");
  });
});
