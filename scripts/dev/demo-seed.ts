/**
 * The development demo: one app with an owner, a mod and two members, each with a stable
 * dev-only token, written idempotently to the directory. Never run in production.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Names } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";

export const DEMO_APP_ID = 1;

export const DEMO_USERS = [
  { uname: "ryan", role: "OWNER", token: "d3e40000-0000-4000-8000-000000000001" },
  { uname: "sarah", role: "MOD", token: "d3e40000-0000-4000-8000-000000000002" },
  { uname: "kate", role: "MEMBER", token: "d3e40000-0000-4000-8000-000000000003" },
  { uname: "max", role: "MEMBER", token: "d3e40000-0000-4000-8000-000000000004" },
] as const;

export interface DemoUser {
  uname: string;
  role: string;
  token: string;
  auth_id: number;
}

export async function seedDemo(nc: NatsConnection, names: Names): Promise<{ appId: number; users: DemoUser[] }> {
  const writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
  const users: DemoUser[] = [];
  for (const u of DEMO_USERS) {
    const record = await writer.createUser({ uname: u.uname });
    users.push({ ...u, auth_id: record.auth_id });
  }
  const owner = users[0]!;
  await writer.createApp({ id: DEMO_APP_ID, name: "Socketpot demo", owner_auth_id: owner.auth_id });
  for (const u of users) {
    if (u.role === "MOD") await writer.addMod(DEMO_APP_ID, u.auth_id);
    await writer.storeToken(u.token, { app_id: DEMO_APP_ID, auth_id: u.auth_id });
  }
  return { appId: DEMO_APP_ID, users };
}
