import type { NatsConnection } from "@nats-io/transport-node";
import type { Names } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";

export async function openDirectoryWriter(nc: NatsConnection, names: Names): Promise<DirectoryWriter> {
  return new DirectoryWriter(await openDirectoryBucket(nc, names));
}

export interface SeededUser {
  auth_id: number;
  uname: string;
  token: string;
}

export interface SeededApp {
  app_id: number;
  owner: SeededUser;
  mod: SeededUser;
  members: SeededUser[];
}

let counter = 0;

/** An app with an owner, a mod and `memberCount` members, each with a fresh token. */
export async function seedApp(writer: DirectoryWriter, memberCount = 2, prefix = "u"): Promise<SeededApp> {
  const tag = `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
  const makeUser = async (role: string, appId: number): Promise<SeededUser> => {
    const user = await writer.createUser({ uname: `${role}_${tag}`.slice(0, 32) });
    const token = await writer.issueToken({ app_id: appId, auth_id: user.auth_id });
    return { auth_id: user.auth_id, uname: user.uname, token };
  };
  const ownerUser = await writer.createUser({ uname: `owner_${tag}`.slice(0, 32) });
  const app = await writer.createApp({ name: `app ${tag}`, owner_auth_id: ownerUser.auth_id });
  const owner = {
    ...ownerUser,
    token: await writer.issueToken({ app_id: app.id, auth_id: ownerUser.auth_id }),
  };
  const mod = await makeUser("mod", app.id);
  await writer.addMod(app.id, mod.auth_id);
  const members: SeededUser[] = [];
  for (let i = 0; i < memberCount; i++) members.push(await makeUser(`m${i}`, app.id));
  return { app_id: app.id, owner, mod, members };
}
