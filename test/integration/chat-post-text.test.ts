/**
 * ChatRepository.postText: a plain-text post's mute check, flood-control slot and insert in
 * one statement, against a real PostgreSQL database. The order of the checks (mute before
 * flood control) and what a refused post leaves behind are the spec's, as postMessage had
 * them with one round trip per check.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UserObject } from "@socketpot/contracts";
import { ChatRepository, createPrisma, type ChatPrisma } from "@socketpot/chat";
import { createTestDatabase, type TestDatabase } from "../support/database";

let db: TestDatabase;
let prisma: ChatPrisma;
let repo: ChatRepository;
let nextAuthId = 1000;

const user = (): UserObject => {
  const auth_id = nextAuthId++;
  return { uname: `user${auth_id}`, auth_id, role: "MEMBER" };
};
const owner: UserObject = { uname: "boss", auth_id: 1, role: "OWNER" };
const noLimit = { count: 0, windowMs: 10_000 };

async function storedCount(appId: number, authId: number): Promise<number> {
  const rows = await prisma.$queryRaw<Array<{ n: number }>>`
    SELECT count(*)::int AS n FROM chat_message WHERE app_id = ${appId} AND user_auth_id = ${authId}`;
  return rows[0]!.n;
}

async function slotsTaken(appId: number, authId: number): Promise<number | undefined> {
  const rows = await prisma.$queryRaw<Array<{ n: number }>>`
    SELECT cardinality(stamps)::int AS n FROM chat_rate WHERE app_id = ${appId} AND auth_id = ${authId}`;
  return rows[0]?.n;
}

const mute = (appId: number, target: UserObject, seconds = 600) =>
  repo.mute({ appId, channel: "lobby", actor: owner, target, seconds, text: `${owner.uname} muted ${target.uname}` });

beforeAll(async () => {
  db = await createTestDatabase();
  prisma = createPrisma({ url: db.url, poolMax: 2 });
  repo = new ChatRepository(prisma);
});

afterAll(async () => {
  await prisma?.$disconnect();
  await db?.drop();
});

describe("postText", () => {
  it("stores the message and returns exactly what history later shows", async () => {
    const u = user();
    const result = await repo.postText({ appId: 1, channel: "support:a-1", text: "hello", user: u }, { count: 5, windowMs: 10_000 });
    expect(result.kind).toBe("posted");
    if (result.kind !== "posted") return;
    expect(result.message).toMatchObject({ channel: "support:a-1", text: "hello", user: u });
    expect(await repo.recentMessages(1, 50)).toEqual([result.message]);
    expect(await slotsTaken(1, u.auth_id)).toBe(1);
  });

  it("refuses a muted user without storing the message or taking a flood-control slot", async () => {
    const u = user();
    await mute(2, u);
    expect(await repo.postText({ appId: 2, channel: "lobby", text: "hi", user: u }, { count: 5, windowMs: 10_000 })).toEqual({ kind: "muted" });
    expect(await storedCount(2, u.auth_id)).toBe(0);
    expect(await slotsTaken(2, u.auth_id)).toBeUndefined();
    // Muted in app 2 only.
    expect((await repo.postText({ appId: 3, channel: "lobby", text: "hi", user: u }, noLimit)).kind).toBe("posted");
  });

  it("lets a user whose mute expired post again", async () => {
    const u = user();
    await mute(4, u);
    await prisma.$executeRaw`UPDATE chat_mute SET expires_at = now() - interval '1 second' WHERE app_id = 4 AND auth_id = ${u.auth_id}`;
    expect((await repo.postText({ appId: 4, channel: "lobby", text: "back", user: u }, noLimit)).kind).toBe("posted");
  });

  it("takes one slot per post and refuses the post over the limit without storing it", async () => {
    const u = user();
    const limit = { count: 2, windowMs: 60_000 };
    const post = (text: string) => repo.postText({ appId: 5, channel: "lobby", text, user: u }, limit);
    expect((await post("one")).kind).toBe("posted");
    expect((await post("two")).kind).toBe("posted");
    expect(await post("three")).toEqual({ kind: "rate_limited" });
    expect(await storedCount(5, u.auth_id)).toBe(2);
    expect(await slotsTaken(5, u.auth_id)).toBe(2);
  });

  it("answers muted, not rate limited, for a muted user over the limit (mute is checked first)", async () => {
    const u = user();
    const limit = { count: 1, windowMs: 60_000 };
    expect((await repo.postText({ appId: 6, channel: "lobby", text: "one", user: u }, limit)).kind).toBe("posted");
    await mute(6, u);
    expect(await repo.postText({ appId: 6, channel: "lobby", text: "two", user: u }, limit)).toEqual({ kind: "muted" });
  });

  it("touches no flood-control row when flood control is off", async () => {
    const u = user();
    for (let i = 0; i < 3; i++) expect((await repo.postText({ appId: 7, channel: "lobby", text: `m${i}`, user: u }, noLimit)).kind).toBe("posted");
    expect(await slotsTaken(7, u.auth_id)).toBeUndefined();
    expect(await storedCount(7, u.auth_id)).toBe(3);
  });

  it("counts concurrent posts of one user exactly", async () => {
    const u = user();
    const limit = { count: 3, windowMs: 60_000 };
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => repo.postText({ appId: 8, channel: "lobby", text: `c${i}`, user: u }, limit)),
    );
    expect(results.filter((r) => r.kind === "posted")).toHaveLength(3);
    expect(results.filter((r) => r.kind === "rate_limited")).toHaveLength(5);
    expect(await storedCount(8, u.auth_id)).toBe(3);
  });
});
