import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { Origin, type AppRecord } from "@socketpot/contracts";
import { NotFoundError, UsageError, defineCommand, intFlag, optionalInt, printJson, requireFlag, type CliAction, type CliCommand, type CliContext, type Flags } from "./command";

async function writer(ctx: CliContext): Promise<DirectoryWriter> {
  return new DirectoryWriter(await openDirectoryBucket(ctx.nc, ctx.names));
}

/** A user given as an auth_id or a uname; it must exist. */
async function resolveUser(w: DirectoryWriter, ref: string): Promise<{ auth_id: number; uname: string }> {
  const user = /^\d+$/.test(ref) ? await w.getUser(Number(ref)) : await w.findUserByUname(ref);
  if (!user) throw new NotFoundError(`no user ${ref}`);
  return user;
}

async function resolveApp(w: DirectoryWriter, flags: Flags): Promise<AppRecord> {
  const id = intFlag(flags, "app");
  const app = await w.getApp(id);
  if (!app) throw new NotFoundError(`no app ${id}`);
  return app;
}

async function unameOf(w: DirectoryWriter, authId: number): Promise<string | null> {
  return (await w.getUser(authId))?.uname ?? null;
}

/** `--origins "https://a.example,https://b.example"`; empty for none. */
function originsFlag(flags: Flags): string[] | undefined {
  const raw = flags["origins"];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") throw new UsageError("--origins takes a comma-separated list");
  const origins = raw.split(",").map((o) => o.trim()).filter((o) => o !== "");
  for (const o of origins) if (!Origin.safeParse(o).success) throw new UsageError(`--origins: ${JSON.stringify(o)} is not scheme://host[:port] in lower case`);
  return origins;
}

const app = { type: "string" } as const;
const user = { type: "string" } as const;

const actions: CliAction[] = [
  {
    name: "user create",
    usage: "--uname NAME [--id AUTH_ID]",
    summary: "new user (refuses a taken uname or auth_id)",
    options: { uname: { type: "string" }, id: { type: "string" } },
    async run(flags, ctx) {
      const w = await writer(ctx);
      printJson(ctx, await w.createUser({ uname: requireFlag(flags, "uname"), auth_id: optionalInt(flags, "id") }));
    },
  },
  {
    name: "app create",
    usage: "--name NAME --owner USER [--id APP_ID] [--origins ORIGIN,...]",
    summary: "new app (refuses a taken id); --origins: the only pages its sockets may authenticate from",
    options: { name: { type: "string" }, owner: { type: "string" }, id: { type: "string" }, origins: { type: "string" } },
    async run(flags, ctx) {
      const w = await writer(ctx);
      const name = requireFlag(flags, "name");
      const owner = await resolveUser(w, requireFlag(flags, "owner"));
      const origins = originsFlag(flags);
      printJson(
        ctx,
        await w.createApp({ name, owner_auth_id: owner.auth_id, id: optionalInt(flags, "id"), ...(origins?.length ? { allowed_origins: origins } : {}) }),
      );
    },
  },
  {
    name: "app origins",
    usage: "--app APP_ID --origins ORIGIN,...",
    summary: "the only pages the app's sockets may authenticate from (--origins '' lifts it)",
    options: { app, origins: { type: "string" } },
    async run(flags, ctx) {
      const w = await writer(ctx);
      const origins = originsFlag(flags);
      if (origins === undefined) throw new UsageError("--origins is required ('' for any page)");
      printJson(ctx, await w.setAllowedOrigins(await resolveApp(w, flags), origins));
    },
  },
  ...(["add", "remove"] as const).map(
    (verb): CliAction => ({
      name: `mod ${verb}`,
      usage: "--app APP_ID --user USER",
      summary: verb === "add" ? "make a user a MOD of the app" : "make a MOD a MEMBER again",
      options: { app, user },
      async run(flags, ctx) {
        const w = await writer(ctx);
        const found = await resolveApp(w, flags);
        const u = await resolveUser(w, requireFlag(flags, "user"));
        if (verb === "add") await w.addMod(found.id, u.auth_id);
        else await w.removeMod(found.id, u.auth_id);
        printJson(ctx, { app_id: found.id, auth_id: u.auth_id, uname: u.uname, role: await w.roleOf(found, u.auth_id) });
      },
    }),
  ),
  {
    name: "token issue",
    usage: "--app APP_ID --user USER [--ttl SECONDS] [--json]",
    summary: "new access token, printed once (--json: with its record)",
    options: { app, user, ttl: { type: "string" }, json: { type: "boolean" } },
    async run(flags, ctx) {
      const w = await writer(ctx);
      const found = await resolveApp(w, flags);
      const u = await resolveUser(w, requireFlag(flags, "user"));
      const ttl = optionalInt(flags, "ttl");
      if (ttl !== undefined && ttl < 1) throw new UsageError("--ttl must be at least 1 second");
      const { token, record } = await w.issueTokenRecord({ app_id: found.id, auth_id: u.auth_id, ttl_seconds: ttl });
      if (!flags.json) return ctx.print(token);
      printJson(ctx, { token, ...record, uname: u.uname });
    },
  },
  {
    name: "token revoke",
    usage: "--token TOKEN",
    summary: "delete a token (its sockets are disconnected)",
    options: { token: { type: "string" } },
    async run(flags, ctx) {
      const w = await writer(ctx);
      if (!(await w.revokeToken(requireFlag(flags, "token")))) throw new NotFoundError("no such token (revoked already, or never issued)");
      printJson(ctx, { revoked: true });
    },
  },
  {
    name: "show",
    usage: "--app APP_ID | --user USER",
    summary: "one app (owner, mods) or one user (apps owned or moderated)",
    options: { app, user },
    async run(flags, ctx) {
      const w = await writer(ctx);
      if ((flags.app === undefined) === (flags.user === undefined)) throw new UsageError("give --app or --user");
      if (flags.app !== undefined) {
        const found = await resolveApp(w, flags);
        const mods = await w.modsOf(found.id);
        printJson(ctx, {
          ...found,
          owner: { auth_id: found.owner_auth_id, uname: await unameOf(w, found.owner_auth_id) },
          mods: await Promise.all(mods.map(async (auth_id) => ({ auth_id, uname: await unameOf(w, auth_id) }))),
        });
        return;
      }
      const u = await resolveUser(w, requireFlag(flags, "user"));
      const roles = [];
      for (const a of await w.listApps()) {
        const role = await w.roleOf(a, u.auth_id);
        if (role !== "MEMBER") roles.push({ app_id: a.id, name: a.name, role });
      }
      printJson(ctx, { ...u, apps: roles });
    },
  },
  {
    name: "list apps",
    usage: "",
    summary: "every app, one JSON object per line",
    async run(_flags, ctx) {
      for (const a of await (await writer(ctx)).listApps()) printJson(ctx, a);
    },
  },
  {
    name: "list users",
    usage: "",
    summary: "every user, one JSON object per line",
    async run(_flags, ctx) {
      for (const u of await (await writer(ctx)).listUsers()) printJson(ctx, u);
    },
  },
  {
    name: "list tokens",
    usage: "[--app APP_ID] [--user USER]",
    summary: "live tokens: hash prefix, app, user, expiry (never the token)",
    options: { app, user },
    async run(flags, ctx) {
      const w = await writer(ctx);
      const appId = flags.app === undefined ? undefined : (await resolveApp(w, flags)).id;
      const authId = flags.user === undefined ? undefined : (await resolveUser(w, requireFlag(flags, "user"))).auth_id;
      for (const t of await w.listTokens()) {
        if ((appId === undefined || t.app_id === appId) && (authId === undefined || t.auth_id === authId)) {
          printJson(ctx, { hash: t.hash.slice(0, 12), app_id: t.app_id, auth_id: t.auth_id, expires_at: t.expires_at });
        }
      }
    },
  },
];

export const directoryCommand: CliCommand = defineCommand({
  summary: "apps, users, mods and access tokens in the directory",
  actions,
  notes: ["USER is an auth_id or a uname. New ids come from counters that never hand out an existing id."],
});
