/**
 * How a fan-out family treats what arrives for a room: each family's policy is a small
 * object the relay calls for every valid message, with state of the room's own that the
 * relay creates when the room opens on this gateway and drops when it closes.
 */
export interface DeliveryPolicy<M, S = unknown> {
  /** The room's state, created when the gateway starts relaying the room. */
  openRoom(): S;
  /** Whether the message is delivered to the room's sockets; may update the room's state. */
  admit(room: S, message: M): boolean;
}

/** Every message is delivered (chat and bets: each is published once). */
export const deliverEvery: DeliveryPolicy<unknown, undefined> = {
  openRoom: () => undefined,
  admit: () => true,
};

/**
 * A message whose key the room saw among its last `perRoom` keys is dropped: a publisher
 * that crashed between publishing and recording publishes the same notification again.
 */
export function dropRepeatedKeys<M>(keyOf: (message: M) => string, perRoom: number): DeliveryPolicy<M, Set<string>> {
  return {
    openRoom: () => new Set<string>(),
    admit(seen, message) {
      const key = keyOf(message);
      if (seen.has(key)) return false;
      seen.add(key);
      if (seen.size > perRoom) seen.delete(seen.values().next().value!);
      return true;
    },
  };
}
