import { depositEmits, depositSeq, type DepositFanout, type DepositsSnapshot } from "@socketpot/contracts";
import { increasingSeq } from "../../relay/delivery-policy";
import type { Feature, FeatureDeps, SessionInfo } from "../feature";
import { NATS_SILENCE_DETECTION_MS } from "@socketpot/service-kit";
import { CatchUp } from "./catch-up";
import { createDepositHistory, type DepositHistory } from "./history";
import { DEPOSITS_RESYNC_SKEW_MS, resyncDeposits, type DepositRoom } from "./resync";

/** How long a recovering socket's replay may take before the socket is disconnected to retry. */
export const RECOVER_DEADLINE_MS = 10_000;

/**
 * DEPOSITS: the user's balance notifications in this app (wallet-watcher publishes them, the
 * deposits stream keeps the recent ones).
 *
 * - Each user's room drops a notification whose `seq` is not above the last it relayed; a
 *   room opening on this gateway starts from the last `seq` published before its first
 *   socket's snapshot, so a late republish never reaches a socket that joined after it.
 * - The auth response carries the snapshot `{unconfirmed_balance, seq}` from the ledger.
 * - With `recover: {deposits_seq}`, the socket is held back from the room's live feed from
 *   its join on (live notifications are kept for it); right after the auth callback it gets
 *   every notification after `deposits_seq` from the stream, then the kept live ones it has
 *   not had, each `seq` once and in order, and then the live feed. When part of what it asked
 *   for is past retention, `recovered` is false and it catches up from the snapshot instead.
 * - When the gateway's NATS connection comes back, each room gets from the stream what was
 *   published while it was down (resync.ts), so no notification is lost to a NATS node dying.
 */
export function createDepositsFeature({ nc, names, relay, resync, gets, log }: FeatureDeps, history: DepositHistory = createDepositHistory(nc, names, gets)): Feature {
  /** Sockets catching up, and per room the ids of those in it. */
  const catchingUp = new Map<string, CatchUp>();
  const heldBack = new Map<string, Set<string>>();
  /** Where a room not yet relayed starts, from its first socket's snapshot, and its app. */
  const starts = new Map<string, { seq: number; appId: number }>();
  /** The rooms relayed here, each its own policy state. */
  const rooms = new Map<string, DepositRoom>();
  const seqPolicy = increasingSeq(depositSeq);

  relay.handle("deposits", {
    policy: {
      openRoom(room) {
        const start = starts.get(room);
        starts.delete(room);
        if (start === undefined) return { last: 0 };
        const state: DepositRoom = { appId: start.appId, last: start.seq };
        rooms.set(room, state);
        return state;
      },
      admit: seqPolicy.admit,
    },
    heldBack: (room) => heldBack.get(room),
    delivered: (room, message) => {
      for (const id of heldBack.get(room) ?? []) catchingUp.get(id)?.hold(message);
    },
    roomClosed: (room) => rooms.delete(room),
  });

  resync.onReconnect("deposits", async (since) => {
    const outcome = await resyncDeposits({ relay, history, rooms, since, lookbackMs: NATS_SILENCE_DETECTION_MS + DEPOSITS_RESYNC_SKEW_MS, log });
    if (outcome.delivered > 0 || outcome.failedApps > 0) log.info(outcome, "deposits resynced");
  });

  const roomOf = (session: SessionInfo) => names.fanout.deposits(session.app.id, session.user!.auth_id);

  function release(session: SessionInfo): void {
    catchingUp.delete(session.socketId);
    const room = roomOf(session);
    const ids = heldBack.get(room);
    ids?.delete(session.socketId);
    if (ids?.size === 0) heldBack.delete(room);
  }

  /** Where a recovering socket starts, and whether that is what it asked for. */
  async function recoverFrom(session: SessionInfo, asked: number, snapshotSeq: number): Promise<{ from: number; recovered: boolean }> {
    if (asked === snapshotSeq) return { from: asked, recovered: true };
    if (asked > snapshotSeq) return { from: snapshotSeq, recovered: false };
    const oldest = await history.oldest(session.app.id, session.user!.auth_id);
    return oldest !== null && oldest <= asked + 1 ? { from: asked, recovered: true } : { from: snapshotSeq, recovered: false };
  }

  /** Sends the socket what it missed, then what arrived meanwhile; false on a gap. */
  async function catchUp(session: SessionInfo, c: CatchUp): Promise<boolean> {
    const send = (m: DepositFanout) => relay.send(session.socketId, depositEmits(m));
    for (let pass = 0; pass < 2; pass++) {
      let gap = false;
      await history.replay(session.app.id, session.user!.auth_id, (m) => {
        if (gap) return;
        const verdict = c.replayed(m);
        if (verdict === "send") send(m);
        gap = verdict === "gap";
      });
      if (gap) return false;
      // A live notification may reach the gateway before the stream has stored it: read again.
      if (c.heldContinues()) break;
    }
    const live = c.drain();
    if (live === null) return false;
    // Live from here on: in the same turn as the last held notification is sent.
    release(session);
    for (const m of live) send(m);
    return true;
  }

  return {
    subscription: "DEPOSITS",
    needsUser: true,
    async join(session) {
      if (!session.user) return { ok: false, error: "LOGIN_REQUIRED" };
      const room = roomOf(session);
      const snapshot = await history.snapshot(session.app.id, session.user.auth_id);
      if (!relay.isRelaying(room)) starts.set(room, { seq: Math.max(starts.get(room)?.seq ?? 0, snapshot.published), appId: session.app.id });
      const deposits: DepositsSnapshot = { unconfirmed_balance: snapshot.unconfirmed, seq: snapshot.seq };
      if (session.recover) {
        const { from, recovered } = await recoverFrom(session, session.recover.deposits_seq, snapshot.seq);
        deposits.recovered = recovered;
        catchingUp.set(session.socketId, new CatchUp(from));
        heldBack.set(room, (heldBack.get(room) ?? new Set()).add(session.socketId));
      }
      return {
        ok: true,
        result: {
          response: { deposits },
          rooms: [
            {
              family: "deposits",
              subject: room,
              // One subscription per app rather than per user: deposit notifications are few,
              // while a subscription per user costs memory and a round trip at every auth.
              subscription: names.fanout.depositsOfApp(session.app.id),
            },
          ],
        },
      };
    },
    authenticated(session) {
      const c = catchingUp.get(session.socketId);
      if (!c) return;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<"deadline">((resolve) => {
        timer = setTimeout(() => resolve("deadline"), RECOVER_DEADLINE_MS);
      });
      void Promise.race([catchUp(session, c), deadline])
        .then((outcome) => {
          if (outcome === true) return;
          session.log.warn({ outcome: outcome === "deadline" ? "deadline" : "gap" }, "deposits recovery incomplete; disconnecting the socket");
          relay.disconnect(session.socketId);
        })
        .catch((err: unknown) => {
          session.log.error({ err }, "deposits recovery failed; disconnecting the socket");
          relay.disconnect(session.socketId);
        })
        .finally(() => {
          clearTimeout(timer);
          if (catchingUp.get(session.socketId) === c) release(session);
        });
    },
    async leave(session) {
      if (!session.user) return;
      release(session);
      const room = roomOf(session);
      if (!relay.isRelaying(room)) starts.delete(room);
    },
  };
}
