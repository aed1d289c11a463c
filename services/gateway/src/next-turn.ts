let pending: Promise<void> | undefined;

/**
 * Resolves in the next check phase of the event loop, once for every caller of this turn.
 *
 * The NATS client writes what was published in one go once the current callback's
 * microtasks ran, and each socket's frame is a callback of its own: a directory request
 * per auth would be a write(2) per auth. Auths that wait for the next turn first send
 * their requests together, in one write, which during a connect storm is most of the
 * difference to a bare socket.io server's CPU per socket (docs/CAPACITY.md). The wait
 * is below a millisecond.
 */
export function nextTurn(): Promise<void> {
  return (pending ??= new Promise((resolve) =>
    setImmediate(() => {
      pending = undefined;
      resolve();
    }),
  ));
}
