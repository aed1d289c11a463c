import type { Server } from "socket.io";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { decode, fanoutFamilies, type ClientEmit, type FanoutFamily, type FanoutMessage } from "@socketpot/contracts";
import { ThrottledLog } from "@socketpot/service-kit";
import type { LoopHealth } from "../loop-health";
import type { DeliveryPolicy } from "./delivery-policy";

/** Lines per minute the relay logs about bad or failed messages (all are counted). */
const BAD_MESSAGE_LOGS_PER_MINUTE = 20;

/**
 * A socket.io room backed by one NATS fan-out subject. `subscription` (default: `subject`)
 * is what the gateway subscribes to: a wildcard lets many rooms share one subscription.
 */
export interface FanoutRoom {
  family: FanoutFamily;
  subject: string;
  subscription?: string;
}

/** How the feature that owns a family has its messages relayed. */
export interface FamilyHandling<F extends FanoutFamily> {
  policy: DeliveryPolicy<FanoutMessage<F>, any>;
  /**
   * Sockets of the room that do not get its messages for now (they are catching up and get
   * them from `delivered`, through `send`, when the feature is ready); none when absent.
   */
  heldBack?(room: string): ReadonlySet<string> | undefined;
  /** After a message was emitted to a room's sockets. */
  delivered?(room: string, message: FanoutMessage<F>): void;
  /** The gateway stopped relaying the room (its last socket here left). */
  roomClosed?(room: string): void;
}

/** What features see of the relay: registering their families, whether a room is relayed, one socket. */
export interface RelayRegistry {
  handle<F extends FanoutFamily>(family: F, handling: FamilyHandling<F>): void;
  isRelaying(room: string): boolean;
  /** Emits to one socket (a feature's catch-up); false when the socket is gone. */
  send(socketId: string, emits: ClientEmit[]): boolean;
  /** Disconnects one socket (a feature cannot keep its promise to it). */
  disconnect(socketId: string): void;
  /** Disconnects every socket of the room on this gateway. */
  disconnectRoom(room: string): void;
  /** The rooms of one family the gateway relays now. */
  roomsOf(family: FanoutFamily): string[];
  /**
   * Holds the live messages of the rooms (those relayed now) while the caller reads what
   * they missed; the returned release relays, per room, the missed messages in the order
   * given and then the held ones in arrival order, each through the room's policy as if it
   * came live. Called once; with nothing, it only lets the held ones go.
   */
  hold(rooms: Iterable<string>): Release;
}

/** Ends a hold: what each room missed (validated messages of its family), by room. */
export type Release = (missed?: ReadonlyMap<string, readonly unknown[]>) => void;

/** One family's relay counts since the gateway started (read by /metrics). */
export interface FamilyCounts {
  family: FanoutFamily;
  /** Client emits to a room. */
  relayed: number;
  /** Client emits times the room's sockets on this gateway. */
  delivered: number;
  /** Messages that failed validation. */
  rejected: number;
  /** Valid messages the delivery policy did not admit. */
  dropped: number;
  /** Valid messages whose relaying threw (skipped). */
  failed: number;
}

interface Family {
  schema: { safeParse(v: unknown): unknown };
  toEmits(message: unknown): ClientEmit[];
  handling: FamilyHandling<FanoutFamily>;
  counts: FamilyCounts;
}

/** One NATS subscription and how many rooms it serves here (a wildcard serves several). */
interface SubscriptionEntry {
  subject: string;
  sub: Subscription;
  rooms: number;
  closing: boolean;
}

interface Room {
  family: Family;
  /** The room's name as every socket of it joined it: one string for all of them. */
  subject: string;
  subscription: SubscriptionEntry;
  /** The family policy's state for this room. */
  state: unknown;
  /** Live messages kept while the room is held (`hold`). */
  held?: unknown[];
}

/**
 * The gateway's relay from NATS to sockets. Each socket.io room is a NATS fan-out subject;
 * the gateway subscribes while the room has members here (one subscription may serve several
 * rooms through a wildcard) and drops the subscription when its last room empties. A message
 * is validated with its family's schema, admitted by the family's delivery policy with the
 * room's state, and emitted to the room named by its subject.
 *
 * Nothing thrown while handling a message leaves the NATS callback: it would end the NATS
 * client's reading loop and make the whole gateway deaf. Such a message is counted, logged
 * (throttled) and skipped.
 */
export class FanoutRelay implements RelayRegistry {
  private readonly families = new Map<FanoutFamily, Family>();
  private readonly subscriptions = new Map<string, SubscriptionEntry>();
  private readonly rooms = new Map<string, Room>();
  private readonly badLog: ThrottledLog;
  /** Client emits from fan-out messages. */
  relayed = 0;
  /** Messages that failed validation. */
  rejected = 0;
  /** Valid messages whose relaying threw (skipped). */
  failed = 0;

  constructor(
    private readonly io: Server,
    private readonly nc: NatsConnection,
    private readonly health: LoopHealth,
    log: Logger,
  ) {
    this.badLog = new ThrottledLog(BAD_MESSAGE_LOGS_PER_MINUTE, (fields, msg) => log.warn(fields, msg));
    io.of("/").adapter.on("delete-room", (room: string) => this.leaveRoom(room));
  }

  handle<F extends FanoutFamily>(family: F, handling: FamilyHandling<F>): void {
    if (this.families.has(family)) throw new Error(`fan-out family ${family} is handled twice`);
    const contract = fanoutFamilies[family];
    this.families.set(family, {
      schema: contract.schema,
      toEmits: contract.toEmits as (message: unknown) => ClientEmit[],
      handling: handling as unknown as FamilyHandling<FanoutFamily>,
      counts: { family, relayed: 0, delivered: 0, rejected: 0, dropped: 0, failed: 0 },
    });
  }

  /** Joins the socket to the rooms; resolves once NATS has registered new subscriptions. */
  async join(socketId: string, rooms: FanoutRoom[]): Promise<void> {
    const socket = this.io.of("/").sockets.get(socketId);
    if (!socket) return;
    let created = false;
    for (const { family: name, subject, subscription = subject } of rooms) {
      let room = this.rooms.get(subject);
      if (!room) {
        const family = this.families.get(name);
        if (!family) throw new Error(`no feature handles fan-out family ${name}`);
        let entry = this.subscriptions.get(subscription);
        if (!entry) {
          entry = { subject: subscription, sub: this.subscribe(subscription), rooms: 0, closing: false };
          const watched = entry;
          this.health.watch(`fan-out ${subscription}`, entry.sub, () => watched.closing);
          this.subscriptions.set(subscription, entry);
          created = true;
        }
        entry.rooms++;
        room = { family, subject, subscription: entry, state: family.handling.policy.openRoom(subject) };
        this.rooms.set(subject, room);
      }
      // The room's own string, not this request's copy of it: each socket's rooms then share it.
      socket.join(room.subject);
    }
    if (created) await this.nc.flush();
  }

  send(socketId: string, emits: ClientEmit[]): boolean {
    const socket = this.io.of("/").sockets.get(socketId);
    if (!socket) return false;
    for (const [event, payload] of emits) socket.emit(event, payload);
    return true;
  }

  disconnect(socketId: string): void {
    this.io.of("/").sockets.get(socketId)?.disconnect(true);
  }

  /** True while the gateway is subscribed for this room (it has members here). */
  isRelaying(room: string): boolean {
    return this.rooms.has(room);
  }

  disconnectRoom(room: string): void {
    this.io.in(room).disconnectSockets(true);
  }

  roomsOf(family: FanoutFamily): string[] {
    return [...this.rooms].filter(([, room]) => room.family.counts.family === family).map(([subject]) => subject);
  }

  hold(rooms: Iterable<string>): Release {
    const held = new Map<string, Room>();
    for (const subject of rooms) {
      const room = this.rooms.get(subject);
      if (room && !room.held) {
        room.held = [];
        held.set(subject, room);
      }
    }
    let released = false;
    return (missed) => {
      if (released) return;
      released = true;
      for (const [subject, room] of held) {
        const queued = room.held ?? [];
        room.held = undefined;
        // A room that closed meanwhile (and maybe opened again) gets nothing from this hold.
        if (this.rooms.get(subject) !== room) continue;
        for (const value of [...(missed?.get(subject) ?? []), ...queued]) this.deliverSafely(subject, room, value);
      }
    };
  }

  /** Each handled family's counts. */
  familyCounts(): FamilyCounts[] {
    return [...this.families.values()].map((f) => f.counts);
  }

  get roomCount(): number {
    return this.rooms.size;
  }

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  close(): void {
    for (const entry of this.subscriptions.values()) {
      entry.closing = true;
      entry.sub.unsubscribe();
    }
    this.subscriptions.clear();
    this.rooms.clear();
  }

  private subscribe(subject: string): Subscription {
    return this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return; // the subscription ended: LoopHealth hears of it
        try {
          this.relay(msg.subject, msg.data);
        } catch (e) {
          this.relayFailed(msg.subject, e);
        }
      },
    });
  }

  private relayFailed(subject: string, err: unknown): void {
    this.failed++;
    const counts = this.rooms.get(subject)?.family.counts;
    if (counts) counts.failed++;
    this.badLog.log({ subject, err }, "fan-out message could not be relayed; skipped");
  }

  private relay(subject: string, data: Uint8Array): void {
    const room = this.rooms.get(subject);
    if (!room) return;
    const decoded = decode(room.family.schema as never, data);
    const { counts } = room.family;
    if (!decoded.ok) {
      this.rejected++;
      counts.rejected++;
      this.badLog.log({ subject, error: decoded.error.slice(0, 300) }, "invalid fan-out message skipped");
      return;
    }
    if (room.held) {
      room.held.push(decoded.value);
      return;
    }
    this.deliver(subject, room, decoded.value);
  }

  private deliverSafely(subject: string, room: Room, value: unknown): void {
    try {
      this.deliver(subject, room, value);
    } catch (e) {
      this.relayFailed(subject, e);
    }
  }

  /** A valid message of the room: admitted by its policy, emitted to its sockets. */
  private deliver(subject: string, room: Room, value: unknown): void {
    const { handling, toEmits, counts } = room.family;
    if (!handling.policy.admit(room.state, value as never)) {
      counts.dropped++;
      return;
    }
    const held = handling.heldBack?.(subject);
    const target = held && held.size > 0 ? this.io.to(subject).except([...held]) : this.io.to(subject);
    const sockets = (this.io.of("/").adapter.rooms.get(subject)?.size ?? 0) - (held?.size ?? 0);
    for (const [event, payload] of toEmits(value)) {
      target.emit(event, payload);
      this.relayed++;
      counts.relayed++;
      counts.delivered += sockets;
    }
    handling.delivered?.(subject, value as never);
  }

  private leaveRoom(subject: string): void {
    const room = this.rooms.get(subject);
    if (room === undefined) return;
    this.rooms.delete(subject);
    try {
      room.family.handling.roomClosed?.(subject);
    } catch (err) {
      this.badLog.log({ room: subject, err }, "closing a fan-out room failed");
    }
    const entry = room.subscription;
    if (--entry.rooms > 0 || this.subscriptions.get(entry.subject) !== entry) return;
    this.subscriptions.delete(entry.subject);
    entry.closing = true;
    entry.sub.unsubscribe();
  }
}
