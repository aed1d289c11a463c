/** Something to do when a token stops being valid (the socket's disconnect with a reason). */
export type Revoke = () => void;

/**
 * Which sockets use which token (by hash), from the moment their auth starts resolving it,
 * so a revoked token can be acted on at once.
 */
export class TokenSockets {
  /** Most tokens have one socket: that one is kept as is, a Set only for more. */
  private readonly byHash = new Map<string, Revoke | Set<Revoke>>();

  add(hash: string, revoke: Revoke): void {
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, revoke);
    else if (typeof held === "function") {
      if (held !== revoke) this.byHash.set(hash, new Set([held, revoke]));
    } else held.add(revoke);
  }

  remove(hash: string, revoke: Revoke): void {
    const held = this.byHash.get(hash);
    if (held === undefined) return;
    if (typeof held === "function") {
      if (held === revoke) this.byHash.delete(hash);
      return;
    }
    held.delete(revoke);
    if (held.size === 1) this.byHash.set(hash, held.values().next().value!);
    else if (held.size === 0) this.byHash.delete(hash);
  }

  /** Revokes every socket of the token; one that throws does not keep the others from it. */
  revoke(hash: string, onError: (err: unknown) => void): void {
    const held = this.byHash.get(hash);
    this.byHash.delete(hash);
    if (held === undefined) return;
    for (const revoke of typeof held === "function" ? [held] : held) {
      try {
        revoke();
      } catch (err) {
        onError(err);
      }
    }
  }

  get size(): number {
    return this.byHash.size;
  }
}
