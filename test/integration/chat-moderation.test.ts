import { beforeAll, describe, expect, it, onTestFinished } from "vitest";
import pg from "pg";
import type { MessageObject } from "@socketpot/contracts";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { record, request, waitFor, type AnyClient, authenticate } from "../support/clients";
import { startChat, type RunningChat } from "../support/chat";
import type { TestDatabase } from "../support/database";
import { seedApp, type SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import type { TestNamespace } from "../support/nats";
import { useServers } from "../support/servers";

const servers = useServers({ chat: { CHAT_RATE_LIMIT_COUNT: "0" }, gateways: { a: {}, b: {} } });
let ns: TestNamespace;
let db: TestDatabase;
let chat: RunningChat;
let gwA: RunningGateway;
let gwB: RunningGateway;
let writer: DirectoryWriter;

const authed = (gw: RunningGateway, appId: number, token: string | undefined, subscriptions = ["CHAT"]) =>
  authenticate(gw.url, { app_id: appId, access_token: token, subscriptions }, servers.clients);

const say = (c: AnyClient, text: string) => request<MessageObject>(c, "new_message", { text });

/** A fresh app per test: mutes never leak between tests. */
async function freshApp(): Promise<SeededApp> {
  return seedApp(writer, 3);
}

beforeAll(() => {
  ({ ns, db, chat, writer, gateways: { a: gwA, b: gwB } } = servers);
});

describe("/mute and /unmute", () => {
  it("a mod mutes a member: system message stored and broadcast, the member's posts refused on every gateway until unmuted", async () => {
    const app = await freshApp();
    const mod = await authed(gwA, app.app_id, app.mod.token);
    const kateA = await authed(gwA, app.app_id, app.members[0]!.token);
    const kateB = await authed(gwB, app.app_id, app.members[0]!.token);
    const watcher = await authed(gwB, app.app_id, undefined);
    const log = record(watcher.client, ["new_message"]);
    const kate = app.members[0]!.uname;

    // Unames compare case-insensitively.
    const [err, system] = await say(mod.client, `/mute ${kate.toUpperCase()} 10 mins`);
    expect(err).toBeNull();
    expect(system).toMatchObject({ channel: "lobby", text: `${app.mod.uname} muted ${kate} for 10 minutes` });
    expect(system!.user).toBeUndefined();
    await waitFor(() => log.length === 1, 10_000, "the system message");
    expect(log[0]!.payload).toEqual(system);

    expect((await say(kateA.client, "hello?"))[0]).toBe("USER_IS_MUTED");
    expect((await say(kateB.client, "hello?"))[0]).toBe("USER_IS_MUTED");

    const [unErr, unmuted] = await say(mod.client, `/unmute ${kate}`);
    expect(unErr).toBeNull();
    expect(unmuted!.text).toBe(`${app.mod.uname} unmuted ${kate}`);
    expect(unmuted!.user).toBeUndefined();
    const [okErr, msg] = await say(kateB.client, "thanks");
    expect(okErr).toBeNull();
    expect(msg!.text).toBe("thanks");

    // Both system messages are in the history, without a user.
    const fresh = await authed(gwA, app.app_id, undefined);
    const texts = fresh.auth.chat!.messages.map((m) => [m.text, m.user === undefined]);
    expect(texts).toEqual([
      [`${app.mod.uname} muted ${kate} for 10 minutes`, true],
      [`${app.mod.uname} unmuted ${kate}`, true],
      ["thanks", false],
    ]);
  });

  it.each([
    ["30m", "30 minutes"],
    ["8 minutes", "8 minutes"],
    ["1h", "1 hour"],
    ["2 hours", "2 hours"],
    ["2d", "2 days"],
    ["45s", "45 seconds"],
    ["", "10 minutes"],
  ])("the owner mutes for %j: '%s' in the system message", async (duration, spelled) => {
    const app = await freshApp();
    const owner = await authed(gwA, app.app_id, app.owner.token);
    const target = app.members[1]!.uname;
    const [err, system] = await say(owner.client, `/mute ${target} ${duration}`.trim());
    expect(err).toBeNull();
    expect(system!.text).toBe(`${app.owner.uname} muted ${target} for ${spelled}`);
  });

  it("the owner can mute a mod; a mod cannot mute a mod or the owner; members cannot moderate", async () => {
    const app = await freshApp();
    const secondMod = app.members[2]!;
    await writer.addMod(app.app_id, secondMod.auth_id);
    const owner = await authed(gwA, app.app_id, app.owner.token);
    const mod = await authed(gwB, app.app_id, app.mod.token);
    const member = await authed(gwA, app.app_id, app.members[0]!.token);

    expect((await say(mod.client, `/mute ${secondMod.uname} 5m`))[0]).toBe("FORBIDDEN");
    expect((await say(mod.client, `/mute ${app.owner.uname}`))[0]).toBe("FORBIDDEN");
    expect((await say(owner.client, `/mute ${app.owner.uname}`))[0]).toBe("FORBIDDEN");
    expect((await say(member.client, `/mute ${app.members[1]!.uname} 5m`))[0]).toBe("FORBIDDEN");
    expect((await say(member.client, `/unmute ${app.members[1]!.uname}`))[0]).toBe("FORBIDDEN");
    // The role comes from the directory at command time: a demoted mod is a member.
    await writer.removeMod(app.app_id, secondMod.auth_id);
    expect((await say(mod.client, `/mute ${secondMod.uname} 5m`))[0]).toBeNull();
    await writer.addMod(app.app_id, secondMod.auth_id);
    const [err, system] = await say(owner.client, `/mute ${app.mod.uname} 1h`);
    expect(err).toBeNull();
    expect(system!.text).toBe(`${app.owner.uname} muted ${app.mod.uname} for 1 hour`);
    expect((await say(mod.client, "can I talk?"))[0]).toBe("USER_IS_MUTED");
  });

  it.each([
    "/mute",
    "/mute someone_who_does_not_exist 5m",
    "/mute {kate} ten minutes",
    "/mute {kate} 10 parsecs",
    "/mute {kate} 365d",
    "/unmute",
    "/unmute {kate} now",
    "/ban {kate}",
    "/shrug",
  ])("answers INVALID_COMMAND to %j", async (template) => {
    const app = await freshApp();
    const mod = await authed(gwA, app.app_id, app.mod.token);
    const [err, result] = await say(mod.client, template.replace("{kate}", app.members[0]!.uname));
    expect(err).toBe("INVALID_COMMAND");
    expect(result).toBeUndefined();
  });

  it("an unknown /command from a member is INVALID_COMMAND, a known one FORBIDDEN", async () => {
    const app = await freshApp();
    const member = await authed(gwA, app.app_id, app.members[0]!.token);
    expect((await say(member.client, "/dance"))[0]).toBe("INVALID_COMMAND");
    expect((await say(member.client, "/mute"))[0]).toBe("FORBIDDEN");
  });

  it("a mute expires by itself", async () => {
    const app = await freshApp();
    const mod = await authed(gwA, app.app_id, app.mod.token);
    const member = await authed(gwB, app.app_id, app.members[0]!.token);
    expect((await say(mod.client, `/mute ${app.members[0]!.uname} 5s`))[0]).toBeNull();
    expect((await say(member.client, "muted?"))[0]).toBe("USER_IS_MUTED");
    const mutedAt = Date.now();
    let answer: string | null | undefined = "USER_IS_MUTED";
    await waitFor(
      async () => {
        [answer] = await say(member.client, "free?");
        return answer !== "USER_IS_MUTED";
      },
      20_000,
      "the mute to expire",
    );
    expect(answer).toBeNull();
    expect(Date.now() - mutedAt).toBeGreaterThanOrEqual(1_000);
  });

  it("mutes and their history survive a chat restart", async () => {
    const app = await freshApp();
    const mod = await authed(gwA, app.app_id, app.mod.token);
    const member = await authed(gwB, app.app_id, app.members[0]!.token);
    expect((await say(mod.client, `/mute ${app.members[0]!.uname} 1h`))[0]).toBeNull();

    await chat.stop();
    const restarted = await startChat(ns.nc, ns.namespace, db.url, { CHAT_RATE_LIMIT_COUNT: "0" });
    onTestFinished(() => restarted.stop());
    expect((await say(member.client, "after restart"))[0]).toBe("USER_IS_MUTED");

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const mutes = await client.query("SELECT uname, muted_by_uname FROM chat_mute WHERE app_id = $1", [app.app_id]);
      expect(mutes.rows).toEqual([{ uname: app.members[0]!.uname, muted_by_uname: app.mod.uname }]);
      const history = await client.query(
        "SELECT action, target_uname, actor_uname, duration_seconds FROM chat_mute_event WHERE app_id = $1 ORDER BY id",
        [app.app_id],
      );
      expect(history.rows).toEqual([
        { action: "MUTE", target_uname: app.members[0]!.uname, actor_uname: app.mod.uname, duration_seconds: 3600 },
      ]);
    } finally {
      await client.end();
    }
  });
});
