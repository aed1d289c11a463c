/**
 * `/mute` and `/unmute` asked by an app's backend (server API): the commands' rules and
 * system messages, with the app owner's authority. The actor is the owner (their auth_id in
 * the mute history) under the name the backend chose.
 */
import { NewMessageRequest, type ChatModerateRequest, type MessageObject } from "@socketpot/contracts";
import { RpcError } from "@socketpot/service-kit";
import type { z } from "zod";
import { durationFromSeconds, formatDuration, formatSeconds, parseDuration, type CommandOptions, type Duration } from "./commands";
import type { DirectoryLookup } from "./posting";
import type { ChatRepository } from "./repository";

function durationOf(input: string | number | undefined, options: CommandOptions): Duration {
  if (input === undefined) return durationFromSeconds(options.defaultMuteSeconds);
  if (typeof input === "number") {
    if (input > options.maxSeconds) throw new RpcError("INVALID_COMMAND", `the duration can be at most ${formatSeconds(options.maxSeconds)}`);
    return durationFromSeconds(input);
  }
  const parsed = parseDuration(input, options);
  if (!parsed.ok) throw new RpcError("INVALID_COMMAND", parsed.reason);
  return parsed.duration;
}

export async function moderate(
  repo: ChatRepository,
  directory: DirectoryLookup,
  options: CommandOptions,
  input: z.output<typeof ChatModerateRequest>,
): Promise<MessageObject> {
  const app = await directory.getApp(input.app_id);
  if (!app) throw new RpcError("NOT_FOUND", "unknown app");
  const target = await directory.findUserByUname(input.uname);
  if (!target) throw new RpcError("NOT_FOUND", `no user named ${input.uname}`);
  if ((await directory.roleOf(app, target.auth_id)) === "OWNER") throw new RpcError("FORBIDDEN", "nobody can mute the app owner");
  const actor = { uname: input.actor.uname, auth_id: app.owner_auth_id, role: "OWNER" as const };
  const shape = NewMessageRequest.shape.channel.safeParse(input.channel);
  if (!shape.success) throw new RpcError("INVALID_REQUEST", shape.error.issues[0]?.message);
  const channel = shape.data;
  switch (input.action) {
    case "mute": {
      const duration = durationOf(input.duration, options);
      return repo.mute({
        appId: app.id,
        channel,
        actor,
        target,
        seconds: duration.seconds,
        text: `${actor.uname} muted ${target.uname} for ${formatDuration(duration)}`,
      });
    }
    case "unmute":
      return (await repo.unmute({ appId: app.id, channel, actor, target, text: `${actor.uname} unmuted ${target.uname}` })).message;
  }
}
