/**
 * The ids of the messages a room relayed lately, for a family whose messages carry an id
 * (chat: a message's id, increasing per app as messages are stored). Bounded: the oldest
 * id inserted leaves once `capacity` are kept, and `horizon` rises to it. Every id above
 * `horizon` the room relayed is still here, so a message with an id above `horizon` that is
 * not here was not relayed: that is what a resync after a reconnect delivers.
 */
export class RecentIds {
  private readonly ids = new Set<number>();
  private floor: number;

  constructor(
    /** What the room's first sockets already had (the newest id of their history). */
    floor: number,
    private readonly capacity = 256,
  ) {
    this.floor = floor;
  }

  /** Ids at or below this are taken as relayed (or older than the room here). */
  get horizon(): number {
    return this.floor;
  }

  /** True the first time the id comes (it is kept); false for a copy. */
  add(id: number): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value as number;
      this.ids.delete(oldest);
      if (oldest > this.floor) this.floor = oldest;
    }
    return true;
  }

  has(id: number): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }
}
