/** A socket's side of a token that stopped being valid: its disconnect with a reason. */
export interface Revocable {
  revoke(): void;
}

/**
 * Which sockets use which token (by hash), from the moment their auth starts resolving it,
 * so a revoked token can be acted on at once. The sockets are held as they are (a Session),
 * not as a closure each.
 */
export class TokenSockets {
  /** Most tokens have one socket: that one is kept as is, a Set only for more. */
  private readonly byHash = new Map<string, Revocable | Set<Revocable>>();

  add(hash: string, socket: Revocable): void {
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, socket);
    else if (!(held instanceof Set)) {
      if (held !== socket) this.byHash.set(hash, new Set([held, socket]));
    } else held.add(socket);
  }

  remove(hash: string, socket: Revocable): void {
    const held = this.byHash.get(hash);
    if (held === undefined) return;
    if (!(held instanceof Set)) {
      if (held === socket) this.byHash.delete(hash);
      return;
    }
    held.delete(socket);
    if (held.size === 1) this.byHash.set(hash, held.values().next().value!);
    else if (held.size === 0) this.byHash.delete(hash);
  }

  /** Revokes every socket of the token; one that throws does not keep the others from it. */
  revoke(hash: string, onError: (err: unknown) => void): void {
    const held = this.byHash.get(hash);
    this.byHash.delete(hash);
    if (held === undefined) return;
    for (const socket of held instanceof Set ? held : [held]) {
      try {
        socket.revoke();
      } catch (err) {
        onError(err);
      }
    }
  }

  get size(): number {
    return this.byHash.size;
  }
}
