import { parseArgs } from "node:util";
import type { DirectoryWriter } from "@socketpot/service-kit";
import { DirectoryWriter as Writer, openDirectoryBucket } from "@socketpot/service-kit";
import { UsageError, intFlag, requireFlag, type CliCommand, type CliContext } from "./command";

async function writer(ctx: CliContext): Promise<DirectoryWriter> {
  return new Writer(await openDirectoryBucket(ctx.nc, ctx.names));
}

/** A user given as an auth_id or a uname. */
async function resolveUser(w: DirectoryWriter, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return Number(ref);
  const user = await w.findUserByUname(ref);
  if (!user) throw new UsageError(`no user named ${ref}`);
  return user.auth_id;
}

const options = {
  name: { type: "string" },
  id: { type: "string" },
  owner: { type: "string" },
  uname: { type: "string" },
  app: { type: "string" },
  user: { type: "string" },
  ttl: { type: "string" },
  token: { type: "string" },
} as const;

export const directoryCommand: CliCommand = {
  summary: "apps, users, mods and access tokens in the directory",
  usage: [
    "directory user create --uname NAME [--id AUTH_ID]",
    "directory app create --name NAME --owner USER [--id APP_ID]",
    "directory mod add|remove --app APP_ID --user USER",
    "directory token issue --app APP_ID --user USER [--ttl SECONDS]   (prints the token once)",
    "directory token revoke --token TOKEN",
    "directory show --app APP_ID | --user USER",
    "USER is an auth_id or a uname.",
  ],
  async run(argv, ctx) {
    const [entity, action, ...rest] = argv;
    const { values } = parseArgs({ args: rest, options, allowPositionals: false });
    const w = await writer(ctx);
    const key = `${entity} ${action}`;
    switch (key) {
      case "user create": {
        const user = await w.createUser({ uname: requireFlag(values, "uname"), auth_id: values.id ? intFlag(values, "id") : undefined });
        ctx.print(JSON.stringify(user));
        return;
      }
      case "app create": {
        const owner = await resolveUser(w, requireFlag(values, "owner"));
        const app = await w.createApp({ name: requireFlag(values, "name"), owner_auth_id: owner, id: values.id ? intFlag(values, "id") : undefined });
        ctx.print(JSON.stringify(app));
        return;
      }
      case "mod add":
      case "mod remove": {
        const appId = intFlag(values, "app");
        const authId = await resolveUser(w, requireFlag(values, "user"));
        if (action === "add") await w.addMod(appId, authId);
        else await w.removeMod(appId, authId);
        ctx.print(`${action === "add" ? "added" : "removed"} MOD auth_id=${authId} in app ${appId}`);
        return;
      }
      case "token issue": {
        const appId = intFlag(values, "app");
        if (!(await w.getApp(appId))) throw new UsageError(`no app ${appId}`);
        const authId = await resolveUser(w, requireFlag(values, "user"));
        const token = await w.issueToken({ app_id: appId, auth_id: authId, ttl_seconds: values.ttl ? intFlag(values, "ttl") : undefined });
        ctx.print(token);
        return;
      }
      case "token revoke": {
        await w.revokeToken(requireFlag(values, "token"));
        ctx.print("revoked");
        return;
      }
      default:
        if (entity === "show") {
          const { values: v } = parseArgs({ args: argv.slice(1), options, allowPositionals: false });
          if (v.app) ctx.print(JSON.stringify((await w.getApp(intFlag(v, "app"))) ?? null));
          else ctx.print(JSON.stringify((await w.getUser(await resolveUser(w, requireFlag(v, "user")))) ?? null));
          return;
        }
        throw new UsageError(`unknown directory command: ${key}`);
    }
  },
};
