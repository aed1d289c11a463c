/**
 * The chat part of a resync after the gateway's NATS connection came back: each chat room
 * here is held, chat's history is read back to the room's horizon (RecentIds: every id above
 * it the room relayed is known), and the room gets the messages above the horizon it has not
 * relayed, oldest first, then its held live ones. A message is stored before it is published,
 * so what was published while the connection was down is in the history.
 *
 * Presence (user_joined, user_left) is not in the history: a presence event published while
 * the connection was down is missed, and the userlist is right again at the client's next
 * auth.
 */
import { HISTORY_PAGE_MAX, type ChatFanout, type MessageObject } from "@socketpot/contracts";
import type { Logger } from "pino";
import type { RelayRegistry } from "../../relay/fanout-relay";
import { forEachLimited, withRetries } from "../../relay/reconnect-resync";
import type { RecentIds } from "../../relay/recent-ids";

/** The most history pages one room's resync reads (a longer gap keeps its newest messages). */
export const CHAT_RESYNC_MAX_PAGES = 10;
const CONCURRENT_ROOMS = 8;

/** One history page: up to `limit` messages older than `beforeId` (absent: the newest), oldest first. */
export type HistoryPage = (appId: number, beforeId: number | undefined, limit: number) => Promise<MessageObject[]>;

export interface ChatRoom {
  appId: number;
  ids: RecentIds;
}

/** The messages newer than `horizon`, oldest first, reading pages back from the newest; `complete` false when the pages ran out first. */
export async function messagesAbove(page: HistoryPage, appId: number, horizon: number, maxPages = CHAT_RESYNC_MAX_PAGES): Promise<{ messages: MessageObject[]; complete: boolean }> {
  const found: MessageObject[] = [];
  let before: number | undefined;
  for (let i = 0; i < maxPages; i++) {
    const messages = await page(appId, before, HISTORY_PAGE_MAX);
    found.push(...messages.filter((m) => m.id > horizon));
    const oldest = messages[0]?.id;
    if (messages.length < HISTORY_PAGE_MAX || oldest === undefined || oldest <= horizon + 1) return { messages: found.sort((a, b) => a.id - b.id), complete: true };
    before = oldest;
  }
  return { messages: found.sort((a, b) => a.id - b.id), complete: false };
}

export async function resyncChat(args: { relay: RelayRegistry; page: HistoryPage; rooms: ReadonlyMap<string, ChatRoom>; log: Logger }): Promise<{ rooms: number; delivered: number; failed: number }> {
  const { relay, page, rooms, log } = args;
  const relayed = [...rooms].filter(([room]) => relay.isRelaying(room));
  let delivered = 0;
  let failed = 0;
  await forEachLimited(relayed, CONCURRENT_ROOMS, async ([room, { appId, ids }]) => {
    const release = relay.hold([room]);
    try {
      const { messages, complete } = await withRetries(3, 500, () => messagesAbove(page, appId, ids.horizon));
      if (!complete) log.warn({ app_id: appId, messages: messages.length }, "chat resync read its most pages; older missed messages are not delivered");
      // The room's RecentIds drops those it relayed.
      const missed = messages.filter((m) => !ids.has(m.id)).map((message): ChatFanout => ({ type: "new_message", message }));
      delivered += missed.length;
      release(new Map([[room, missed]]));
    } catch (err) {
      failed++;
      release();
      log.warn({ err, app_id: appId }, "chat resync failed; messages published while NATS was away may be missing here");
    }
  });
  return { rooms: relayed.length, delivered, failed };
}
