/**
 * The deposits part of a resync after the gateway's NATS connection came back: per app with
 * rooms here, the rooms are held, the deposits stream is read from a little before the
 * connection was lost, and each room gets the notifications it has not had (the room's
 * `increasingSeq` drops the rest), then its held live ones, in order. A room whose read
 * fails has its sockets disconnected: their clients reconnect with `recover` and get what
 * they missed from the stream, each once. While JetStream elects leaders after a node died the
 * read is tried again, up to 10 times, 1 s apart.
 */
import type { DepositFanout } from "@socketpot/contracts";
import type { Logger } from "pino";
import type { RelayRegistry } from "../../relay/fanout-relay";
import { forEachLimited, withRetries } from "../../relay/reconnect-resync";
import type { DepositHistory } from "./history";

/**
 * How far before the loss the stream is read: the NATS client notices a silent server after
 * missing pings (NATS_SILENCE_DETECTION_MS, 40 s), and the stream's times come
 * from the NATS server's clock, assumed within seconds of the gateway's (NTP), as the RPC
 * deadline header assumes. Reading more costs only what the app's users were notified of.
 */
export const DEPOSITS_RESYNC_SKEW_MS = 30_000;
/** Reads of an app's notifications before its rooms' sockets are disconnected, 1 s apart. */
const RESYNC_TRIES = 10;
/** Apps read at once. */
const CONCURRENT_APPS = 8;

/** A deposits room relayed here: also the room's `increasingSeq` state (one object per room). */
export interface DepositRoom {
  appId: number;
  /** The last `seq` the room relayed. */
  last: number;
}

export async function resyncDeposits(args: {
  relay: RelayRegistry;
  history: DepositHistory;
  rooms: ReadonlyMap<string, DepositRoom>;
  since: number;
  lookbackMs: number;
  log: Logger;
}): Promise<{ rooms: number; delivered: number; failedApps: number }> {
  const { relay, history, rooms, log } = args;
  const byApp = new Map<number, string[]>();
  for (const [room, { appId }] of rooms) if (relay.isRelaying(room)) byApp.set(appId, [...(byApp.get(appId) ?? []), room]);
  let delivered = 0;
  let failedApps = 0;
  await forEachLimited(byApp, CONCURRENT_APPS, async ([appId, appRooms]) => {
    const release = relay.hold(appRooms);
    const wanted = new Set(appRooms);
    try {
      // JetStream may be electing leaders (the node that died led the meta group or the
      // stream): the rooms stay held, their live notifications kept, while it retries.
      const missed = await withRetries(RESYNC_TRIES, 1_000, async () => {
        const found = new Map<string, DepositFanout[]>();
        await history.since(appId, args.since - args.lookbackMs, (room, message) => {
          const last = rooms.get(room)?.last ?? Infinity;
          if (wanted.has(room) && message.change.seq > last) found.set(room, [...(found.get(room) ?? []), message]);
        });
        return found;
      });
      for (const list of missed.values()) delivered += list.length;
      release(missed);
    } catch (err) {
      failedApps++;
      release();
      log.warn({ err, app_id: appId, rooms: appRooms.length }, "deposits resync failed; disconnecting the app's deposit sockets here so they recover");
      for (const room of appRooms) relay.disconnectRoom(room);
    }
  });
  return { rooms: [...byApp.values()].reduce((n, r) => n + r.length, 0), delivered, failedApps };
}
