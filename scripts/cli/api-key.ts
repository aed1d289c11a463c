import { ActingName, ApiKeyId } from "@socketpot/contracts";
import { DirectoryWriter, openDirectoryBucket } from "@socketpot/service-kit";
import { NotFoundError, UsageError, defineCommand, intFlag, printJson, requireFlag, type CliCommand, type CliContext } from "./command";

async function writer(ctx: CliContext): Promise<DirectoryWriter> {
  return new DirectoryWriter(await openDirectoryBucket(ctx.nc, ctx.names));
}

/** Server API keys of an app (docs/API.md): shown once at creation, stored only as a SHA-256. */
export const apiKeyCommand: CliCommand = defineCommand({
  summary: "server API keys of an app (HTTP and NATS API for app backends)",
  actions: [
    {
      name: "create",
      usage: "--app APP_ID [--as NAME] [--json]",
      summary: "new key, printed once (--as: the name its mutes are announced as; --json: with its record)",
      options: { app: { type: "string" }, as: { type: "string" }, json: { type: "boolean" } },
      async run(flags, ctx) {
        const w = await writer(ctx);
        const appId = intFlag(flags, "app");
        if (!(await w.getApp(appId))) throw new NotFoundError(`no app ${appId}`);
        const as = flags.as === undefined ? undefined : requireFlag(flags, "as");
        if (as !== undefined && !ActingName.safeParse(as).success) throw new UsageError("--as must be 1-32 chars of A-Z a-z 0-9 _ . -");
        const { key, record } = await w.createApiKey({ app_id: appId, acting_name: as });
        if (!flags.json) return ctx.print(key);
        printJson(ctx, { key, ...record });
      },
    },
    {
      name: "list",
      usage: "[--app APP_ID]",
      summary: "live keys, oldest first: id, app, creation date, acting name (never the key)",
      options: { app: { type: "string" } },
      async run(flags, ctx) {
        const appId = flags.app === undefined ? undefined : intFlag(flags, "app");
        for (const { hash: _hash, ...record } of await (await writer(ctx)).listApiKeys()) {
          if (appId === undefined || record.app_id === appId) printJson(ctx, record);
        }
      },
    },
    {
      name: "revoke",
      usage: "--id KEY_ID",
      summary: "delete a key; every API replica refuses it within a second",
      options: { id: { type: "string" } },
      async run(flags, ctx) {
        const id = requireFlag(flags, "id");
        if (!ApiKeyId.safeParse(id).success) throw new UsageError("--id is key_ and 16 hex digits (see api-key list)");
        const revoked = await (await writer(ctx)).revokeApiKey(id);
        if (!revoked) throw new NotFoundError(`no API key ${id} (revoked already, or never created)`);
        printJson(ctx, { revoked: true, ...revoked });
      },
    },
  ],
});
