import type { Server } from "socket.io";
import type { z } from "zod";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { decode, fanoutFamilies, type ClientEmit, type FanoutFamily } from "@socketpot/contracts";
import type { FanoutRoom } from "./features/feature";

type FamilyMessage<F extends FanoutFamily> = z.output<(typeof fanoutFamilies)[F]["schema"]>;

/** Told about one family's rooms: each message emitted to a room, and when the gateway stops relaying a room. */
export interface RoomObserver<F extends FanoutFamily> {
  relayed(room: string, message: FamilyMessage<F>): void;
  closed(room: string): void;
}

/** Remembers recently relayed message keys so a re-published notification is emitted once. */
class RecentKeys {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity: number) {}

  /** True when the key was new (and is now remembered). */
  add(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return true;
  }
}

/**
 * The gateway's generic relay from NATS to sockets. Each socket.io room is a NATS fan-out
 * subject; the gateway subscribes while the room has members here (one subscription may
 * serve several rooms through a wildcard) and drops the subscription when its last room
 * empties. Messages are validated with the family's schema, deduplicated by its key and
 * emitted to the room named by the message's subject.
 */
export class FanoutRelay {
  private readonly subscriptions = new Map<string, { sub: Subscription; rooms: Set<string> }>();
  private readonly roomSubscription = new Map<string, { key: string; family: FanoutFamily }>();
  private readonly observers = new Map<FanoutFamily, RoomObserver<FanoutFamily>>();
  private readonly recent = new RecentKeys(50_000);
  relayed = 0;
  rejected = 0;

  constructor(
    private readonly io: Server,
    private readonly nc: NatsConnection,
    private readonly log: Logger,
  ) {
    io.of("/").adapter.on("delete-room", (room: string) => this.leaveRoom(room));
  }

  /** Joins the socket to the rooms; resolves once NATS has registered new subscriptions. */
  async join(socketId: string, rooms: FanoutRoom[]): Promise<void> {
    const socket = this.io.of("/").sockets.get(socketId);
    if (!socket) return;
    let created = false;
    for (const room of rooms) {
      const key = room.subscription ?? room.subject;
      let entry = this.subscriptions.get(key);
      if (!entry) {
        entry = { sub: this.subscribe(key, room.family), rooms: new Set() };
        this.subscriptions.set(key, entry);
        created = true;
      }
      entry.rooms.add(room.subject);
      this.roomSubscription.set(room.subject, { key, family: room.family });
      socket.join(room.subject);
    }
    if (created) await this.nc.flush();
  }

  /** One observer per family (a second replaces the first). */
  observe<F extends FanoutFamily>(family: F, observer: RoomObserver<F>): void {
    this.observers.set(family, observer as unknown as RoomObserver<FanoutFamily>);
  }

  /** True while the gateway is subscribed for this room (it has members here). */
  isRelaying(room: string): boolean {
    return this.roomSubscription.has(room);
  }

  get roomCount(): number {
    return this.roomSubscription.size;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  close(): void {
    for (const { sub } of this.subscriptions.values()) sub.unsubscribe();
    this.subscriptions.clear();
    this.roomSubscription.clear();
  }

  private subscribe(subject: string, familyName: FanoutFamily): Subscription {
    const family = fanoutFamilies[familyName];
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err, subject }, "fan-out subscription failed");
          return;
        }
        const decoded = decode(family.schema, msg.data);
        if (!decoded.ok) {
          this.rejected++;
          this.log.warn({ subject: msg.subject, error: decoded.error }, "invalid fan-out message skipped");
          return;
        }
        this.emit(familyName, msg.subject, decoded.value);
      },
    });
  }

  private emit(familyName: FanoutFamily, room: string, value: unknown): void {
    if (!this.roomSubscription.has(room)) return;
    const family = fanoutFamilies[familyName] as {
      toEmits(v: unknown): ClientEmit[];
      dedupeKey(v: unknown): string | undefined;
    };
    const key = family.dedupeKey(value);
    if (key !== undefined && !this.recent.add(`${room}|${key}`)) return;
    const target = this.io.to(room);
    for (const [event, payload] of family.toEmits(value)) {
      target.emit(event, payload);
      this.relayed++;
    }
    this.observers.get(familyName)?.relayed(room, value as FamilyMessage<FanoutFamily>);
  }

  private leaveRoom(room: string): void {
    const joined = this.roomSubscription.get(room);
    if (joined === undefined) return;
    this.roomSubscription.delete(room);
    this.observers.get(joined.family)?.closed(room);
    const key = joined.key;
    const entry = this.subscriptions.get(key);
    if (!entry) return;
    entry.rooms.delete(room);
    if (entry.rooms.size > 0) return;
    this.subscriptions.delete(key);
    entry.sub.unsubscribe();
  }
}
