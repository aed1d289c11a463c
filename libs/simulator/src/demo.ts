/**
 * The development demo: one app with an owner, a mod and two members, each with a stable
 * dev-only token, written idempotently to the directory. Never run in production.
 */
import { z } from "zod";
import type { NatsConnection } from "@nats-io/transport-node";
import { Role, UUID_PATTERN, type Names } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";

export const DEMO_APP_ID = 1;
export const DEMO_APP_NAME = "Socketpot demo";

export const DEMO_USERS = [
  { uname: "ryan", role: "OWNER", token: "d3e40000-0000-4000-8000-000000000001" },
  { uname: "sarah", role: "MOD", token: "d3e40000-0000-4000-8000-000000000002" },
  { uname: "kate", role: "MEMBER", token: "d3e40000-0000-4000-8000-000000000003" },
  { uname: "max", role: "MEMBER", token: "d3e40000-0000-4000-8000-000000000004" },
] as const;

/** The demo app's dev-only server API key (docs/API.md); never seeded in production. */
export const DEMO_API_KEY = "spk_demo-dev-only-key-0000000000000000000000000";
export const DEMO_API_KEY_ID = "key_00000000000000de";

export interface DemoUser {
  uname: string;
  role: string;
  token: string;
  auth_id: number;
}

export async function seedDemo(
  nc: NatsConnection,
  names: Names,
  appId: number = DEMO_APP_ID,
): Promise<{ appId: number; users: DemoUser[]; apiKey: string }> {
  const writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
  const users: DemoUser[] = [];
  for (const u of DEMO_USERS) {
    const record = await writer.ensureUser(u.uname);
    users.push({ ...u, auth_id: record.auth_id });
  }
  const owner = users[0]!;
  // ensureApp raises the app counter past the demo app: `directory app create` never reuses its id.
  await writer.ensureApp({ id: appId, name: DEMO_APP_NAME, owner_auth_id: owner.auth_id });
  for (const u of users) {
    if (u.role === "MOD") await writer.addMod(appId, u.auth_id);
    await writer.storeToken(u.token, { app_id: appId, auth_id: u.auth_id });
  }
  await writer.storeApiKey(DEMO_API_KEY, { app_id: appId, id: DEMO_API_KEY_ID });
  return { appId, users, apiKey: DEMO_API_KEY };
}

/** What the demo page learns from `/demo.json` (development only: it holds tokens). */
export const DemoInfo = z.object({
  app_id: z.number().int().positive(),
  app_name: z.string(),
  namespace: z.string(),
  users: z.array(
    z.object({ uname: z.string(), auth_id: z.number().int().positive(), role: Role, token: z.string().regex(UUID_PATTERN) }),
  ),
});
export type DemoInfo = z.infer<typeof DemoInfo>;

/** Seeding happens in development only: never with NODE_ENV=production or SOCKETPOT_DEMO=off. */
export function demoEnabled(env: Record<string, string | undefined>): boolean {
  if (env.NODE_ENV === "production") return false;
  return !["off", "0", "false", "no"].includes((env.SOCKETPOT_DEMO ?? "").trim().toLowerCase());
}

export function demoInfo(seeded: { appId: number; users: DemoUser[] }, names: Names): DemoInfo {
  return DemoInfo.parse({ app_id: seeded.appId, app_name: DEMO_APP_NAME, namespace: names.namespace, users: seeded.users });
}

/** The demo page URL that signs straight in as `user` (or anonymously); the token rides in the hash. */
export function demoUrl(base: string, appId: number, user?: { token: string }): string {
  const params = new URLSearchParams({ app_id: String(appId) });
  if (user) params.set("token", user.token);
  return `${base}/#${params.toString()}`;
}
