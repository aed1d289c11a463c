/** Something to do when a token stops being valid (the socket's disconnect with a reason). */
export type Revoke = () => void;

/**
 * Which sockets use which token (by hash), from the moment their auth starts resolving it,
 * so a revoked token can be acted on at once.
 */
export class TokenSockets {
  private readonly byHash = new Map<string, Set<Revoke>>();

  add(hash: string, revoke: Revoke): void {
    let set = this.byHash.get(hash);
    if (!set) this.byHash.set(hash, (set = new Set()));
    set.add(revoke);
  }

  remove(hash: string, revoke: Revoke): void {
    const set = this.byHash.get(hash);
    if (!set) return;
    set.delete(revoke);
    if (set.size === 0) this.byHash.delete(hash);
  }

  /** Revokes every socket of the token; one that throws does not keep the others from it. */
  revoke(hash: string, onError: (err: unknown) => void): void {
    const set = this.byHash.get(hash);
    this.byHash.delete(hash);
    for (const revoke of set ?? []) {
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
