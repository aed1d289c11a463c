/** Something to do when a token stops being valid (the socket's disconnect with a reason). */
export type Revoke = () => void;

/**
 * Which connected sockets were authenticated with which token (by hash), so a revoked
 * token can be acted on at once.
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

  /** Revokes every socket of the token. */
  revoke(hash: string): void {
    const set = this.byHash.get(hash);
    this.byHash.delete(hash);
    for (const revoke of set ?? []) revoke();
  }
}
