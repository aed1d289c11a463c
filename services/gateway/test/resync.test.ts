/**
 * The pure parts of the resync after a NATS reconnect: RecentIds (which chat messages a room
 * relayed) and messagesAbove (reading chat's history back to a room's horizon).
 */
import { describe, expect, it } from "vitest";
import type { MessageObject } from "@socketpot/contracts";
import { RecentIds } from "../src/relay/recent-ids";
import { recentIds } from "../src/relay/delivery-policy";
import { messagesAbove, type HistoryPage } from "../src/features/chat/resync";

const msg = (id: number): MessageObject => ({ id, channel: "lobby", text: `m${id}`, created_at: "2026-12-03T00:00:00.000Z" });

describe("RecentIds", () => {
  it("admits each id once and keeps every relayed id above its horizon", () => {
    const ids = new RecentIds(10, 3);
    expect([11, 11, 13, 12, 14].map((id) => ids.add(id))).toEqual([true, false, true, true, true]);
    // 11 left (the oldest inserted): the horizon rose to it; 12, 13, 14 are still known.
    expect(ids.horizon).toBe(11);
    expect([12, 13, 14].every((id) => ids.has(id))).toBe(true);
    expect(ids.size).toBe(3);
  });

  it("a late low id leaving does not lower the horizon", () => {
    const ids = new RecentIds(0, 2);
    for (const id of [20, 5, 21, 22]) ids.add(id);
    expect(ids.horizon).toBe(20);
  });

  it("as a policy, messages without an id (presence) are all delivered", () => {
    const policy = recentIds((m: { id?: number }) => m.id, () => new RecentIds(0));
    const room = policy.openRoom("r");
    expect([{ id: 1 }, {}, {}, { id: 1 }].map((m) => policy.admit(room, m))).toEqual([true, true, true, false]);
  });
});

describe("messagesAbove", () => {
  /** A history of ids 1..n, served in pages like chat's RPC. */
  const history = (n: number, calls: Array<number | undefined> = []): HistoryPage => async (_app, before, limit) => {
    calls.push(before);
    const all = Array.from({ length: n }, (_, i) => msg(i + 1)).filter((m) => before === undefined || m.id < before);
    return all.slice(-limit);
  };

  it("reads pages back until it passes the horizon, and returns what is above it oldest first", async () => {
    const calls: Array<number | undefined> = [];
    const { messages, complete } = await messagesAbove(history(250, calls), 1, 120);
    expect(complete).toBe(true);
    expect(messages.map((m) => m.id)).toEqual(Array.from({ length: 130 }, (_, i) => 121 + i));
    expect(calls).toEqual([undefined, 151]);
  });

  it("one page when nothing is missing", async () => {
    const calls: Array<number | undefined> = [];
    expect((await messagesAbove(history(30, calls), 1, 30)).messages).toEqual([]);
    expect(calls).toHaveLength(1);
  });

  it("stops at its most pages and says the read is incomplete", async () => {
    const { messages, complete } = await messagesAbove(history(1_000), 1, 0, 2);
    expect(complete).toBe(false);
    expect(messages.map((m) => m.id)).toEqual(Array.from({ length: 200 }, (_, i) => 801 + i));
  });
});
