/**
 * Everything the chat service keeps in PostgreSQL, behind one narrow interface.
 *
 * Concurrency: every decision that must happen once across chat replicas (a user's first
 * join, a user's final leave, a dead gateway's cleanup) is made inside one statement or
 * transaction that holds the relevant row locks, so any number of replicas can run this
 * code against the same database.
 */
import type { MessageObject, PresenceEntry, Role, UserObject } from "@socketpot/contracts";
import type { ChatPrisma } from "./database";
import { Prisma } from "./generated/prisma/client";

type Tx = Parameters<Parameters<ChatPrisma["$transaction"]>[0]>[0];

interface MessageRow {
  id: bigint;
  channel: string;
  text: string;
  createdAt: Date;
  userAuthId: number | null;
  userUname: string | null;
  userRole: Role | null;
}

export function toMessageObject(row: MessageRow): MessageObject {
  const message: MessageObject = {
    id: Number(row.id),
    channel: row.channel,
    text: row.text,
    created_at: row.createdAt.toISOString(),
  };
  if (row.userAuthId !== null && row.userUname !== null && row.userRole !== null) {
    message.user = { uname: row.userUname, auth_id: row.userAuthId, role: row.userRole };
  }
  return message;
}

export interface MuteInput {
  appId: number;
  channel: string;
  actor: UserObject;
  target: { auth_id: number; uname: string };
  seconds: number;
  /** The system message text, e.g. "Ryan muted Kate for 10 minutes". */
  text: string;
}

export interface UnmuteInput {
  appId: number;
  channel: string;
  actor: UserObject;
  target: { auth_id: number; uname: string };
  text: string;
}

export interface PresenceUser {
  appId: number;
  user: UserObject;
}

export interface RateLimit {
  count: number;
  windowMs: number;
}

export type PostTextResult = { kind: "posted"; message: MessageObject } | { kind: "muted" } | { kind: "rate_limited" };

interface PostTextRow {
  muted: boolean;
  id: bigint | null;
  created_at: Date | null;
}

export class ChatRepository {
  constructor(private readonly prisma: ChatPrisma) {}

  // ---------------------------------------------------------------- messages

  /** The latest `limit` messages of an app, oldest first (index chat_message_app_id_id_desc). */
  async recentMessages(appId: number, limit: number): Promise<MessageObject[]> {
    const rows = await this.prisma.chatMessage.findMany({
      where: { appId },
      orderBy: { id: "desc" },
      take: limit,
    });
    return rows.reverse().map(toMessageObject);
  }

  /** Up to `limit` messages older than `beforeId` (absent: the latest), oldest first. */
  async messagesBefore(appId: number, beforeId: number | undefined, limit: number): Promise<MessageObject[]> {
    const rows = await this.prisma.chatMessage.findMany({
      where: beforeId === undefined ? { appId } : { appId, id: { lt: BigInt(beforeId) } },
      orderBy: { id: "desc" },
      take: limit,
    });
    return rows.reverse().map(toMessageObject);
  }

  async insertMessage(input: { appId: number; channel: string; text: string; user?: UserObject }): Promise<MessageObject> {
    const row = await this.prisma.chatMessage.create({
      data: {
        appId: input.appId,
        channel: input.channel,
        text: input.text,
        userAuthId: input.user?.auth_id ?? null,
        userUname: input.user?.uname ?? null,
        userRole: input.user?.role ?? null,
      },
    });
    return toMessageObject(row);
  }

  /**
   * A user's plain-text post in ONE round trip: the mute check, then (when `limit.count > 0`)
   * the flood-control slot, then the insert, in that order, all in one statement (one
   * snapshot). A muted user takes no slot; a refused post inserts nothing.
   */
  async postText(input: { appId: number; channel: string; text: string; user: UserObject }, limit: RateLimit): Promise<PostTextResult> {
    const { appId, channel, text, user } = input;
    const rows = await this.prisma.$queryRaw<Array<PostTextRow>>`
      WITH muted AS (
        SELECT 1 FROM chat_mute
        WHERE app_id = ${appId}::int AND auth_id = ${user.auth_id}::int AND expires_at > now()
      ), slot AS (
        INSERT INTO chat_rate AS r (app_id, auth_id, stamps, updated_at)
        SELECT ${appId}::int, ${user.auth_id}::int, ARRAY[now()]::timestamptz(3)[], now()
        WHERE ${limit.count}::int > 0 AND NOT EXISTS (SELECT 1 FROM muted)
        ${rateSlotConflict(limit)}
        RETURNING 1
      ), inserted AS (
        INSERT INTO chat_message (app_id, channel, text, user_auth_id, user_uname, user_role)
        SELECT ${appId}::int, ${channel}::text, ${text}::text, ${user.auth_id}::int, ${user.uname}::text, ${user.role}::"ChatRole"
        WHERE NOT EXISTS (SELECT 1 FROM muted) AND (${limit.count}::int = 0 OR EXISTS (SELECT 1 FROM slot))
        RETURNING id, created_at
      )
      SELECT EXISTS (SELECT 1 FROM muted) AS muted, i.id, i.created_at
      FROM (VALUES (1)) AS one (x) LEFT JOIN inserted i ON true`;
    const row = rows[0];
    if (row?.muted) return { kind: "muted" };
    if (!row || row.id === null || row.created_at === null) return { kind: "rate_limited" };
    return {
      kind: "posted",
      message: toMessageObject({
        id: row.id,
        channel,
        text,
        createdAt: row.created_at,
        userAuthId: user.auth_id,
        userUname: user.uname,
        userRole: user.role,
      }),
    };
  }

  // ---------------------------------------------------------------- moderation

  async isMuted(appId: number, authId: number): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<Array<{ muted: boolean }>>`
      SELECT true AS muted FROM chat_mute
      WHERE app_id = ${appId} AND auth_id = ${authId} AND expires_at > now()`;
    return rows.length > 0;
  }

  /** Mutes (or re-mutes, replacing the expiry), records the history and the system message. */
  async mute(input: MuteInput): Promise<MessageObject> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO chat_mute (app_id, auth_id, uname, expires_at, muted_by_auth_id, muted_by_uname, created_at)
        VALUES (${input.appId}, ${input.target.auth_id}, ${input.target.uname},
                now() + make_interval(secs => ${input.seconds}::float8),
                ${input.actor.auth_id}, ${input.actor.uname}, now())
        ON CONFLICT (app_id, auth_id) DO UPDATE SET
          uname = EXCLUDED.uname, expires_at = EXCLUDED.expires_at,
          muted_by_auth_id = EXCLUDED.muted_by_auth_id, muted_by_uname = EXCLUDED.muted_by_uname,
          created_at = EXCLUDED.created_at`;
      const message = await systemMessage(tx, input.appId, input.channel, input.text);
      await tx.$executeRaw`
        INSERT INTO chat_mute_event (app_id, action, target_auth_id, target_uname, actor_auth_id, actor_uname,
                                     actor_role, duration_seconds, expires_at, message_id)
        VALUES (${input.appId}, 'MUTE', ${input.target.auth_id}, ${input.target.uname}, ${input.actor.auth_id},
                ${input.actor.uname}, ${input.actor.role}::"ChatRole", ${input.seconds},
                now() + make_interval(secs => ${input.seconds}::float8), ${BigInt(message.id)})`;
      return message;
    });
  }

  async unmute(input: UnmuteInput): Promise<{ message: MessageObject; wasMuted: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      const removed = await tx.$executeRaw`
        DELETE FROM chat_mute WHERE app_id = ${input.appId} AND auth_id = ${input.target.auth_id} AND expires_at > now()`;
      await tx.$executeRaw`
        DELETE FROM chat_mute WHERE app_id = ${input.appId} AND auth_id = ${input.target.auth_id}`;
      const message = await systemMessage(tx, input.appId, input.channel, input.text);
      await tx.$executeRaw`
        INSERT INTO chat_mute_event (app_id, action, target_auth_id, target_uname, actor_auth_id, actor_uname,
                                     actor_role, message_id)
        VALUES (${input.appId}, 'UNMUTE', ${input.target.auth_id}, ${input.target.uname}, ${input.actor.auth_id},
                ${input.actor.uname}, ${input.actor.role}::"ChatRole", ${BigInt(message.id)})`;
      return { message, wasMuted: removed > 0 };
    });
  }

  // ---------------------------------------------------------------- flood control

  /**
   * Takes one posting slot in a sliding window, atomically (the upsert locks the user's
   * row, so concurrent posts through different replicas are counted exactly).
   * Returns false when the user already posted `count` times within `windowMs`.
   */
  async takeRateSlot(appId: number, authId: number, limit: RateLimit): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<Array<{ ok: number }>>`
      INSERT INTO chat_rate AS r (app_id, auth_id, stamps, updated_at)
      VALUES (${appId}, ${authId}, ARRAY[now()]::timestamptz(3)[], now())
      ${rateSlotConflict(limit)}
      RETURNING 1 AS ok`;
    return rows.length > 0;
  }

  // ---------------------------------------------------------------- presence

  /** The users present in an app's chatroom, keyed by uname. */
  async userlist(appId: number): Promise<Record<string, UserObject>> {
    const rows = await this.prisma.chatPresence.findMany({ where: { appId }, orderBy: { joinedAt: "asc" } });
    // Defined, not assigned: a user named `__proto__` is an entry like any other.
    return Object.fromEntries(rows.map((row) => [row.uname, { uname: row.uname, auth_id: row.authId, role: row.role }]));
  }

  /** The userlist with each user's number of sockets (0 while lingering after their last left), by join time. */
  async presence(appId: number): Promise<PresenceEntry[]> {
    const rows = await this.prisma.$queryRaw<Array<{ uname: string; auth_id: number; role: Role; sockets: number }>>`
      SELECT p.uname, p.auth_id, p.role::text AS role,
             (SELECT count(*)::int FROM chat_socket s WHERE s.app_id = p.app_id AND s.auth_id = p.auth_id) AS sockets
      FROM chat_presence p WHERE p.app_id = ${appId}
      ORDER BY p.joined_at, p.auth_id`;
    return rows.map((r) => ({ uname: r.uname, auth_id: r.auth_id, role: r.role, sockets: r.sockets }));
  }

  /**
   * Registers a user's socket. Returns `joined: true` only for the transaction that made
   * the user present (their first socket in the app, across every gateway): the caller
   * publishes user_joined exactly then. A user still lingering after their last socket
   * left is simply kept (no leave/join noise).
   */
  async joinSocket(input: {
    appId: number;
    gatewayId: string;
    socketId: string;
    user: UserObject;
  }): Promise<{ joined: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO chat_gateway (gateway_id, last_seen) VALUES (${input.gatewayId}, now())
        ON CONFLICT (gateway_id) DO NOTHING`;
      // The upsert locks the user's presence row until commit: joins, leaves and the
      // reaper decide about this user one at a time.
      const rows = await tx.$queryRaw<Array<{ inserted: boolean }>>`
        INSERT INTO chat_presence (app_id, auth_id, uname, role, joined_at, check_at)
        VALUES (${input.appId}, ${input.user.auth_id}, ${input.user.uname}, ${input.user.role}::"ChatRole", now(), NULL)
        ON CONFLICT (app_id, auth_id) DO UPDATE SET
          uname = EXCLUDED.uname, role = EXCLUDED.role, check_at = NULL
        RETURNING (xmax = 0) AS inserted`;
      await tx.$executeRaw`
        INSERT INTO chat_socket (gateway_id, socket_id, app_id, auth_id)
        VALUES (${input.gatewayId}, ${input.socketId}, ${input.appId}, ${input.user.auth_id})
        ON CONFLICT (gateway_id, socket_id) DO NOTHING`;
      return { joined: rows[0]?.inserted === true };
    });
  }

  /**
   * Removes one socket and asks the reaper to check the user after `lingerMs`: if no
   * socket of theirs is left in the app by then, they leave.
   */
  async leaveSocket(input: { appId: number; gatewayId: string; socketId: string; authId: number; lingerMs: number }): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        DELETE FROM chat_socket WHERE gateway_id = ${input.gatewayId} AND socket_id = ${input.socketId}`,
      this.prisma.$executeRaw`
        UPDATE chat_presence SET check_at = now() + make_interval(secs => ${input.lingerMs / 1000}::float8)
        WHERE app_id = ${input.appId} AND auth_id = ${input.authId}`,
    ]);
  }

  /** A gateway's heartbeat: it is alive now. */
  async gatewaySeen(gatewayId: string, intervalMs: number): Promise<void> {
    await this.prisma.$executeRaw`
      INSERT INTO chat_gateway (gateway_id, last_seen, interval_ms) VALUES (${gatewayId}, now(), ${intervalMs})
      ON CONFLICT (gateway_id) DO UPDATE SET last_seen = now(), interval_ms = EXCLUDED.interval_ms`;
  }

  /** A gateway said goodbye: drop its sockets; its users leave after the linger. */
  async gatewayGone(gatewayId: string, lingerMs: number): Promise<number> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`DELETE FROM chat_gateway WHERE gateway_id = ${gatewayId}`;
      return await dropSockets(tx, [gatewayId], lingerMs);
    });
  }

  /**
   * Gateways not heard from for `missedBeats` heartbeat intervals are dead: their sockets
   * are dropped, and (when `sweepOrphans`, or when some died) sockets of gateways without a
   * row; their users are due
   * for a check at once (detecting the death took longer than any linger, and clients
   * that reconnected elsewhere meanwhile are kept). Returns the dead ids.
   */
  async reapDeadGateways(missedBeats: number, sweepOrphans: boolean): Promise<string[]> {
    return this.prisma.$transaction(async (tx) => {
      const dead = await tx.$queryRaw<Array<{ gateway_id: string }>>`
        DELETE FROM chat_gateway
        WHERE last_seen < now() - make_interval(secs => interval_ms * ${missedBeats}::float8 / 1000.0)
        RETURNING gateway_id`;
      const ids = dead.map((d) => d.gateway_id);
      await dropSockets(tx, ids, 0);
      // Sockets whose gateway row is gone (registered while the gateway was being reaped):
      // a full anti-join, so only now and then.
      if (!sweepOrphans && ids.length === 0) return ids;
      await tx.$executeRaw`
        WITH orphans AS (
          DELETE FROM chat_socket s
          WHERE NOT EXISTS (SELECT 1 FROM chat_gateway g WHERE g.gateway_id = s.gateway_id)
          RETURNING app_id, auth_id)
        UPDATE chat_presence p SET check_at = now()
        FROM (SELECT DISTINCT app_id, auth_id FROM orphans) o
        WHERE p.app_id = o.app_id AND p.auth_id = o.auth_id`;
      return ids;
    });
  }

  /**
   * Confirms the users due for a check: those without any socket left are removed and
   * returned (the caller publishes user_left); the others stay. Rows locked by a
   * concurrent join or by another replica's reaper are skipped until the next round.
   */
  async reapLeavers(batch = 500): Promise<PresenceUser[]> {
    return this.prisma.$transaction(async (tx) => {
      const due = await tx.$queryRaw<Array<{ app_id: number; auth_id: number; uname: string; role: Role }>>`
        SELECT app_id, auth_id, uname, role::text AS role FROM chat_presence
        WHERE check_at <= now()
        ORDER BY check_at
        LIMIT ${batch}
        FOR UPDATE SKIP LOCKED`;
      if (due.length === 0) return [];
      const appIds = due.map((d) => d.app_id);
      const authIds = due.map((d) => d.auth_id);
      // A new statement sees every socket committed before we took the row locks.
      const gone = await tx.$queryRaw<Array<{ app_id: number; auth_id: number; uname: string; role: Role }>>`
        DELETE FROM chat_presence p
        USING unnest(${appIds}::int[], ${authIds}::int[]) AS d(app_id, auth_id)
        WHERE p.app_id = d.app_id AND p.auth_id = d.auth_id
          AND NOT EXISTS (SELECT 1 FROM chat_socket s WHERE s.app_id = p.app_id AND s.auth_id = p.auth_id)
        RETURNING p.app_id, p.auth_id, p.uname, p.role::text AS role`;
      await tx.$executeRaw`
        UPDATE chat_presence p SET check_at = NULL
        FROM unnest(${appIds}::int[], ${authIds}::int[]) AS d(app_id, auth_id)
        WHERE p.app_id = d.app_id AND p.auth_id = d.auth_id`;
      return gone.map((g) => ({ appId: g.app_id, user: { uname: g.uname, auth_id: g.auth_id, role: g.role } }));
    });
  }

  /** Housekeeping: expired mutes and idle flood-control rows. */
  async purgeExpired(rateWindowMs: number): Promise<void> {
    await this.prisma.$executeRaw`DELETE FROM chat_mute WHERE expires_at < now() - interval '1 hour'`;
    await this.prisma.$executeRaw`
      DELETE FROM chat_rate WHERE updated_at < now() - make_interval(secs => ${rateWindowMs / 1000}::float8)`;
  }
}

async function systemMessage(tx: Tx, appId: number, channel: string, text: string): Promise<MessageObject> {
  const row = await tx.chatMessage.create({ data: { appId, channel, text } });
  return toMessageObject(row);
}

async function dropSockets(tx: Tx, gatewayIds: string[], lingerMs: number): Promise<number> {
  if (gatewayIds.length === 0) return 0;
  return tx.$executeRaw`
    WITH dropped AS (
      DELETE FROM chat_socket WHERE gateway_id = ANY(${gatewayIds}::text[])
      RETURNING app_id, auth_id)
    UPDATE chat_presence p SET check_at = now() + make_interval(secs => ${lingerMs / 1000}::float8)
    FROM (SELECT DISTINCT app_id, auth_id FROM dropped) d
    WHERE p.app_id = d.app_id AND p.auth_id = d.auth_id`;
}

/**
 * The conflict clause of a flood-control slot (an upsert into `chat_rate AS r`): keeps the
 * window's stamps and adds one only while there are fewer than `limit.count`.
 */
function rateSlotConflict(limit: RateLimit): Prisma.Sql {
  const windowSeconds = limit.windowMs / 1000;
  return Prisma.sql`ON CONFLICT (app_id, auth_id) DO UPDATE SET
    stamps = ARRAY(SELECT s FROM unnest(r.stamps) AS s
                   WHERE s > now() - make_interval(secs => ${windowSeconds}::float8) ORDER BY s) || now(),
    updated_at = now()
  WHERE cardinality(ARRAY(SELECT s FROM unnest(r.stamps) AS s
                          WHERE s > now() - make_interval(secs => ${windowSeconds}::float8))) < ${limit.count}::int`;
}
