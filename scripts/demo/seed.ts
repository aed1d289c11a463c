/**
 * The development demo: one app with an owner, a mod and members, each with an access
 * token. Seeding is idempotent: the same unames, the same app id and, through a local
 * state file (gitignored), the same tokens on every start, so bookmarked demo URLs keep
 * working. Production never runs this (see `demoEnabled`).
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { Role, UUID_PATTERN } from "@socketpot/contracts";
import type { DirectoryWriter } from "@socketpot/service-kit";

export const DEMO_APP_ID = 1;
export const DEMO_APP_NAME = "Socketpot demo";

/** Who the demo has, in the order the page offers them. */
export const DEMO_USERS: ReadonlyArray<{ uname: string; role: Role }> = [
  { uname: "ryan", role: "OWNER" },
  { uname: "sarah", role: "MOD" },
  { uname: "kate", role: "MEMBER" },
  { uname: "satoshi", role: "MEMBER" },
];

export const DemoUser = z.object({
  uname: z.string(),
  auth_id: z.number().int().positive(),
  role: Role,
  token: z.string().regex(UUID_PATTERN),
});
export type DemoUser = z.infer<typeof DemoUser>;

/** The demo state file; also what the gateway serves as `/demo.json` in development. */
export const DemoInfo = z.object({
  app_id: z.number().int().positive(),
  app_name: z.string(),
  namespace: z.string(),
  users: z.array(DemoUser),
});
export type DemoInfo = z.infer<typeof DemoInfo>;

/**
 * Whether `npm start` seeds the demo: yes in development, never with NODE_ENV=production
 * or SOCKETPOT_DEMO=off (also accepts 0/false/no).
 */
export function demoEnabled(env: Record<string, string | undefined>): boolean {
  if (env.NODE_ENV === "production") return false;
  const flag = (env.SOCKETPOT_DEMO ?? "").trim().toLowerCase();
  return !["off", "0", "false", "no"].includes(flag);
}

export async function readDemoInfo(file: string): Promise<DemoInfo | undefined> {
  try {
    const parsed = DemoInfo.safeParse(JSON.parse(await readFile(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function seedDemo(
  writer: DirectoryWriter,
  opts: { file: string; namespace: string; appId?: number },
): Promise<DemoInfo> {
  const appId = opts.appId ?? DEMO_APP_ID;
  const previous = await readDemoInfo(opts.file);
  const tokenOf = (uname: string) => previous?.users.find((u) => u.uname === uname)?.token ?? randomUUID();

  const users: DemoUser[] = [];
  for (const spec of DEMO_USERS) {
    const user = await writer.createUser({ uname: spec.uname });
    users.push({ uname: user.uname, auth_id: user.auth_id, role: spec.role, token: tokenOf(user.uname) });
  }
  const owner = users.find((u) => u.role === "OWNER")!;
  await writer.createApp({ id: appId, name: DEMO_APP_NAME, owner_auth_id: owner.auth_id });
  for (const user of users) {
    if (user.role === "MOD") await writer.addMod(appId, user.auth_id);
    else await writer.removeMod(appId, user.auth_id);
    await writer.storeToken(user.token, { app_id: appId, auth_id: user.auth_id });
  }

  const info: DemoInfo = { app_id: appId, app_name: DEMO_APP_NAME, namespace: opts.namespace, users };
  await mkdir(path.dirname(opts.file), { recursive: true });
  const tmp = `${opts.file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(info, null, 2) + "\n", { mode: 0o600 });
  await rename(tmp, opts.file);
  return info;
}

/** The page URL that signs straight in as `user` (or anonymously). */
export function demoUrl(base: string, appId: number, user?: DemoUser): string {
  const params = new URLSearchParams({ app_id: String(appId) });
  if (user) params.set("token", user.token);
  return `${base}/#${params.toString()}`;
}
