import type { RecentIds } from "./recent-ids";

/**
 * How a fan-out family treats what arrives for a room: each family's policy is a small
 * object the relay calls for every valid message, with state of the room's own that the
 * relay creates when the room opens on this gateway and drops when it closes.
 */
export interface DeliveryPolicy<M, S = unknown> {
  /** The room's state, created when the gateway starts relaying the room. */
  openRoom(room: string): S;
  /** Whether the message is delivered to the room's sockets; may update the room's state. */
  admit(room: S, message: M): boolean;
}

/** Every message is delivered (chat and bets: each is published once). */
export const deliverEvery: DeliveryPolicy<unknown, undefined> = {
  openRoom: () => undefined,
  admit: () => true,
};

/**
 * Messages numbered by their publisher (1, 2, 3, ... per room): one whose number is not above
 * the last delivered to the room is dropped, however late it comes. A publisher that crashed
 * between publishing and recording publishes the same notification, with its number, again.
 * One number per room, so the state is bounded by the rooms the gateway relays. `start`
 * gives a room's last number when it opens (what its first socket already knows).
 */
export function increasingSeq<M>(seqOf: (message: M) => number, start: (room: string) => number = () => 0): DeliveryPolicy<M, { last: number }> {
  return {
    openRoom: (room) => ({ last: start(room) }),
    admit(state, message) {
      const seq = seqOf(message);
      if (seq <= state.last) return false;
      state.last = seq;
      return true;
    },
  };
}

/**
 * Messages with an id (chat messages): a copy of one the room relayed lately is dropped, so
 * a message a resync delivered is not delivered again when it also arrives live. Messages
 * without an id (`idOf` gives undefined: presence) are all delivered. `open` gives a room's
 * RecentIds when it opens (the feature keeps it to know what the room has had).
 */
export function recentIds<M>(idOf: (message: M) => number | undefined, open: (room: string) => RecentIds): DeliveryPolicy<M, RecentIds> {
  return {
    openRoom: open,
    admit(state, message) {
      const id = idOf(message);
      return id === undefined || state.add(id);
    },
  };
}
