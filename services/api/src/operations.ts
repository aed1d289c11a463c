/**
 * The server API's operations, one function each, shared by the HTTP routes and the NATS
 * subjects: chat operations are RPCs to chat (the owner of PostgreSQL); events and
 * disconnects are fan-out messages the gateways relay to the app's or the user's sockets.
 */
import type { z } from "zod";
import type { NatsConnection } from "@nats-io/transport-node";
import { encode, type ApiCatalogue, type AppFanout, type AppRecord, type Names, type RpcCatalogue, type UserObject } from "@socketpot/contracts";
import type { RpcClient, RpcEntry } from "@socketpot/service-kit";
import { ApiError, fromServiceError } from "./errors";

/** What the directory must answer for the operations. */
export interface OperationsDirectory {
  getApp(appId: number): Promise<AppRecord | undefined>;
  userObject(app: AppRecord, authId: number): Promise<UserObject | undefined>;
}

/** Who calls: an API key's acting name (HTTP), none on NATS. */
export interface Caller {
  actingName?: string;
}

type Input<K extends keyof ApiCatalogue> = z.output<ApiCatalogue[K]["request"]>;
type Result<K extends keyof ApiCatalogue> = z.input<ApiCatalogue[K]["result"]>;
export type Operations = { [K in keyof ApiCatalogue]: (input: Input<K>, caller: Caller) => Promise<Result<K>> };

export interface OperationsDeps {
  names: Names;
  rpcs: RpcCatalogue;
  rpc: RpcClient;
  nc: NatsConnection;
  directory: OperationsDirectory;
}

export function createOperations({ names, rpcs, rpc, nc, directory }: OperationsDeps): Operations {
  async function appOf(appId: number): Promise<AppRecord> {
    const app = await directory.getApp(appId);
    if (!app) throw new ApiError("NOT_FOUND", `no app ${appId}`);
    return app;
  }

  /** Calls chat; an error reply becomes the API's error (`field`: what a refusal is about). */
  async function chat<Req extends z.ZodType, Res extends z.ZodType>(entry: RpcEntry<Req, Res>, request: z.input<Req>, field?: string): Promise<z.output<Res>> {
    const reply = await rpc.call(entry, request);
    if (!reply.ok) throw fromServiceError("chat", reply.error, reply.detail, field);
    return reply.result;
  }

  /** The name moderation is announced as: the request's, else the key's, else the owner's uname. */
  async function actorOf(app: AppRecord, requested: string | undefined, caller: Caller): Promise<{ auth_id: number; uname: string }> {
    const name = requested ?? caller.actingName;
    if (name !== undefined) return { auth_id: app.owner_auth_id, uname: name };
    const owner = await directory.userObject(app, app.owner_auth_id);
    if (!owner) throw new ApiError("NOT_FOUND", `the owner of app ${app.id} is not in the directory`);
    return { auth_id: owner.auth_id, uname: owner.uname };
  }

  const fanout = (subject: string, message: AppFanout) => nc.publish(subject, encode(message));

  return {
    async chatPost(input) {
      const app = await appOf(input.app_id);
      let user: UserObject | undefined;
      if (input.as !== "system") {
        user = await directory.userObject(app, app.owner_auth_id);
        if (!user) throw new ApiError("NOT_FOUND", `the owner of app ${app.id} is not in the directory`);
      }
      return chat(rpcs.chatAppPost, { app_id: app.id, channel: input.channel ?? "", text: input.text, user }, "text");
    },
    async chatHistory(input) {
      return chat(rpcs.chatHistory, { app_id: (await appOf(input.app_id)).id, before_id: input.before_id, limit: input.limit });
    },
    async mute(input, caller) {
      const app = await appOf(input.app_id);
      const actor = await actorOf(app, input.acting_name, caller);
      return chat(rpcs.chatModerate, { app_id: app.id, action: "mute", uname: input.uname, duration: input.duration, actor, channel: input.channel }, "duration");
    },
    async unmute(input, caller) {
      const app = await appOf(input.app_id);
      const actor = await actorOf(app, input.acting_name, caller);
      return chat(rpcs.chatModerate, { app_id: app.id, action: "unmute", uname: input.uname, actor, channel: input.channel });
    },
    async presence(input) {
      return chat(rpcs.chatPresence, { app_id: (await appOf(input.app_id)).id });
    },
    async disconnect(input) {
      const app = await appOf(input.app_id);
      const text = `Disconnected by app ${app.id}${input.reason ? `: ${input.reason}` : "."}`;
      fanout(names.fanout.appUser(app.id, input.auth_id), { type: "disconnect", text });
      return { sent: true };
    },
    async events(input) {
      const app = await appOf(input.app_id);
      const subject = input.auth_id === undefined ? names.fanout.app(app.id) : names.fanout.appUser(app.id, input.auth_id);
      fanout(subject, { type: "app_event", event: { name: input.name, data: input.data } });
      return { sent: true };
    },
  };
}
