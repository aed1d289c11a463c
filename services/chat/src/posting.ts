/**
 * A `new_message` from a user: plain text or a moderation command. Decides the outcome
 * (mute, flood control, authorisation), persists, and returns the stored message; the
 * caller publishes it.
 */
import { NewMessageRequest, type AppRecord, type MessageObject, type Role, type UserObject } from "@socketpot/contracts";
import { RpcError } from "@socketpot/service-kit";
import { commandName, formatDuration, isKnownCommand, parseCommand, type CommandOptions } from "./commands";
import type { ChatRepository, RateLimit } from "./repository";

/** What posting needs from the directory (the service-kit DirectoryReader fits). */
export interface DirectoryLookup {
  getApp(appId: number): Promise<AppRecord | undefined>;
  findUserByUname(uname: string): Promise<{ auth_id: number; uname: string } | undefined>;
  roleOf(app: AppRecord, authId: number): Promise<Role>;
}

export interface PostingOptions extends CommandOptions {
  /** `count: 0` disables flood control. */
  rateLimit: RateLimit;
}

export interface PostInput {
  appId: number;
  user: UserObject;
  channel: string;
  text: string;
}

export async function postMessage(
  repo: ChatRepository,
  directory: DirectoryLookup,
  options: PostingOptions,
  input: PostInput,
): Promise<MessageObject> {
  // The gateway validated the shape already; a service never trusts its callers blindly.
  const shape = NewMessageRequest.safeParse({ channel: input.channel, text: input.text });
  if (!shape.success) throw new RpcError("INVALID_REQUEST", shape.error.issues[0]?.message);
  const { channel, text } = shape.data;
  const { appId, user } = input;

  const name = commandName(text);
  if (name !== undefined && !isKnownCommand(name)) {
    throw new RpcError("INVALID_COMMAND", `unknown command /${name.slice(0, 20)}`);
  }
  const rateLimited = () =>
    new RpcError("RATE_LIMITED", `at most ${options.rateLimit.count} messages per ${options.rateLimit.windowMs / 1000} s`);
  if (name === undefined) {
    // Plain text, the hot path: mute check, flood control and insert in one round trip.
    const result = await repo.postText({ appId, channel, text, user }, options.rateLimit);
    switch (result.kind) {
      case "posted":
        return result.message;
      case "muted":
        throw new RpcError("USER_IS_MUTED");
      case "rate_limited":
        throw rateLimited();
    }
  }
  if (await repo.isMuted(appId, user.auth_id)) throw new RpcError("USER_IS_MUTED");
  if (options.rateLimit.count > 0 && !(await repo.takeRateSlot(appId, user.auth_id, options.rateLimit))) throw rateLimited();

  // A command. Roles are read from the directory now, not from the socket's auth snapshot.
  const app = await directory.getApp(appId);
  if (!app) throw new RpcError("INVALID_REQUEST", "unknown app");
  const actorRole = await directory.roleOf(app, user.auth_id);
  if (actorRole === "MEMBER") throw new RpcError("FORBIDDEN", `only the owner and mods can use /${name}`);
  const actor: UserObject = { ...user, role: actorRole };

  const parsed = parseCommand(text, options);
  switch (parsed.kind) {
    case "text":
    case "unknown":
      throw new RpcError("INVALID_COMMAND", "not a command");
    case "invalid":
      throw new RpcError("INVALID_COMMAND", parsed.reason);
    case "command":
      break;
  }
  const command = parsed.command;
  const target = await directory.findUserByUname(command.uname);
  if (!target) throw new RpcError("INVALID_COMMAND", `no user named ${command.uname}`);
  const targetRole = await directory.roleOf(app, target.auth_id);
  if (targetRole === "OWNER") throw new RpcError("FORBIDDEN", "nobody can mute the app owner");
  if (actorRole === "MOD" && targetRole === "MOD") throw new RpcError("FORBIDDEN", "a mod cannot mute another mod");

  switch (command.kind) {
    case "mute":
      return repo.mute({
        appId,
        channel,
        actor,
        target,
        seconds: command.duration.seconds,
        text: `${actor.uname} muted ${target.uname} for ${formatDuration(command.duration)}`,
      });
    case "unmute": {
      const { message } = await repo.unmute({ appId, channel, actor, target, text: `${actor.uname} unmuted ${target.uname}` });
      return message;
    }
  }
}
