import type { Socket } from "socket.io";

/**
 * Which connected sockets were authenticated with which token (by hash), so a revoked
 * token can be acted on at once, and an expiring one at its expiry.
 */
export class TokenSockets {
  private readonly byHash = new Map<string, Set<Socket>>();

  add(hash: string, socket: Socket): void {
    let set = this.byHash.get(hash);
    if (!set) this.byHash.set(hash, (set = new Set()));
    set.add(socket);
  }

  remove(hash: string, socket: Socket): void {
    const set = this.byHash.get(hash);
    if (!set) return;
    set.delete(socket);
    if (set.size === 0) this.byHash.delete(hash);
  }

  take(hash: string): Socket[] {
    const set = this.byHash.get(hash);
    this.byHash.delete(hash);
    return set ? [...set] : [];
  }

  get size(): number {
    return this.byHash.size;
  }
}
