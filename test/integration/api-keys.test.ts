/**
 * Server API keys: the CLI creates them (shown once, stored only as a SHA-256), lists them by
 * id and creation date, revokes them by id; every API replica refuses a revoked key within a
 * second (the directory watch), each on its own NATS connection.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsConnection } from "@nats-io/transport-node";
import { ApiKeys, API_KEY_PATTERN } from "@socketpot/api";
import { DirectoryReader, openDirectoryBucket } from "@socketpot/service-kit";
import { npmCli } from "../support/cli";
import { waitFor } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { connectTestNats, createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let app: SeededApp;
const replicaConnections: NatsConnection[] = [];
const cli = (...args: string[]) => npmCli(ns.namespace, ...args);

beforeAll(async () => {
  ns = await createTestNamespace();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 0);
});
afterAll(async () => {
  for (const nc of replicaConnections) await nc.close();
  await ns?.cleanup();
});

async function replica(): Promise<ApiKeys> {
  const nc = await connectTestNats("api-replica");
  replicaConnections.push(nc);
  const keys = new ApiKeys(new DirectoryReader(await openDirectoryBucket(nc, ns.names)));
  await keys.start(() => undefined);
  return keys;
}

describe("api-key CLI", () => {
  it("creates a key shown once and stored only as its hash; lists it by id and date, never the key", async () => {
    const created = await cli("api-key", "create", "--app", String(app.app_id), "--as", "JackpotBot", "--json");
    expect(created.code, created.stderr).toBe(0);
    const { key, ...record } = JSON.parse(created.stdout);
    expect(key).toMatch(API_KEY_PATTERN);
    expect(record).toMatchObject({ app_id: app.app_id, acting_name: "JackpotBot" });
    expect(record.id).toMatch(/^key_[0-9a-f]{16}$/);

    const kv = await openDirectoryBucket(ns.nc, ns.names);
    for await (const k of await kv.keys()) {
      expect(k).not.toContain(key);
      expect((await kv.get(k))?.string() ?? "").not.toContain(key);
    }

    const listed = await cli("api-key", "list", "--app", String(app.app_id));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout.split("\n").map((l) => JSON.parse(l))).toContainEqual(record);
  });

  it("prints the bare key without --json, and refuses an unknown app (exit 3) and a bad --as (exit 2)", async () => {
    const bare = await cli("api-key", "create", "--app", String(app.app_id));
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toMatch(API_KEY_PATTERN);
    expect((await cli("api-key", "create", "--app", "999999")).code).toBe(3);
    expect((await cli("api-key", "create", "--app", String(app.app_id), "--as", "no spaces")).code).toBe(2);
  });

  it("revokes by id once; a second revoke is not found (exit 3)", async () => {
    const { id } = JSON.parse((await cli("api-key", "create", "--app", String(app.app_id), "--json")).stdout);
    const revoked = await cli("api-key", "revoke", "--id", id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toMatchObject({ revoked: true, id, app_id: app.app_id });
    expect((await cli("api-key", "revoke", "--id", id)).code).toBe(3);
    expect((await cli("api-key", "list")).stdout).not.toContain(id);
  });
});

describe("key resolution on every replica", () => {
  it("a revoked key is refused by every replica within a second, though each had it cached", async () => {
    const writer = await openDirectoryWriter(ns.nc, ns.names);
    const { key, record } = await writer.createApiKey({ app_id: app.app_id });
    const replicas = [await replica(), await replica(), await replica()];
    for (const r of replicas) {
      expect(await r.resolve(key)).toEqual(record);
      expect(await r.resolve(key)).toEqual(record); // now from the cache
    }
    const revokedAt = Date.now();
    await writer.revokeApiKey(record.id);
    await waitFor(async () => (await Promise.all(replicas.map((r) => r.resolve(key)))).every((r) => r === undefined), 1_000, "every replica refusing the key");
    expect(Date.now() - revokedAt).toBeLessThan(1_000);
    for (const r of replicas) r.stop();
  });

  it("a malformed or unknown key is refused", async () => {
    const r = await replica();
    expect(await r.resolve("")).toBeUndefined();
    expect(await r.resolve("spk_short")).toBeUndefined();
    expect(await r.resolve(`spk_${"A".repeat(43)}`)).toBeUndefined();
    r.stop();
  });
});
