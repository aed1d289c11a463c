/**
 * DirectGets and DirectoryCache on a real NATS server: direct gets read what kv.get reads
 * (missing, deleted) and time out when nobody answers, and the cache reads an app or its staff once while its
 * watches run, again after a change to them, and every time once the watches are down.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { inject } from "vitest";
import { createNames, type Names } from "@socketpot/contracts";
import { DirectGets, DirectoryCache, DirectoryWriter, directKeyRead, openDirectoryBucket, type KeyRead } from "@socketpot/service-kit";

let nc: NatsConnection;
let names: Names;
let writer: DirectoryWriter;
let gets: DirectGets;

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  names = createNames(`t_${randomBytes(5).toString("hex")}`);
  writer = new DirectoryWriter(await openDirectoryBucket(nc, names));
  gets = new DirectGets(nc, { timeoutMs: 5_000 });
});

afterAll(async () => {
  gets?.close();
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(`KV_${names.directoryBucket}`).catch(() => undefined);
  await nc?.close();
});

/** A KeyRead that counts the reads of each key. */
function counting(read: KeyRead): { read: KeyRead; count(key: string): number } {
  const counts = new Map<string, number>();
  return {
    read: (key) => {
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return read(key);
    },
    count: (key) => counts.get(key) ?? 0,
  };
}

/** Until `check` holds, each turn after a NATS round trip (the watch delivers in between). */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in 5 s");
    await nc.flush();
  }
}

describe("DirectGets", () => {
  it("reads a key's value, nothing for a missing or deleted key, and says when there is no stream", async () => {
    const read = directKeyRead(gets, names.directoryBucket);
    await writer.kv.put("misc.a", "{\"x\":1}");
    expect(new TextDecoder().decode(await read("misc.a"))).toBe("{\"x\":1}");
    expect(await read("misc.none")).toBeUndefined();
    await writer.kv.delete("misc.a");
    expect(await read("misc.a")).toBeUndefined();
    expect(gets.inFlight).toBe(0);
  });

  it("fails a get nobody answers (a missing stream: JetStream ignores it) after its timeout", async () => {
    const quick = new DirectGets(nc, { timeoutMs: 200 });
    try {
      await expect(directKeyRead(quick, "no_such_bucket_here")("a")).rejects.toThrow(/timed out/);
      expect(quick.inFlight).toBe(0);
    } finally {
      quick.close();
    }
  });

  it("sends a lone get at once and the gets of the next window in one batch", async () => {
    const windowMs = 80;
    const batched = new DirectGets(nc, { coalesceMs: windowMs });
    const sent: number[] = [];
    const publish = nc.publish.bind(nc);
    nc.publish = ((...args: Parameters<NatsConnection["publish"]>) => {
      if (args[0].includes(".DIRECT.GET.")) sent.push(performance.now());
      publish(...args);
    }) as NatsConnection["publish"];
    try {
      await writer.kv.put("misc.b", "{\"x\":2}");
      const read = directKeyRead(batched, names.directoryBucket);
      const t0 = performance.now();
      await read("misc.b");
      // Nothing was sent in the last window: no wait for a timer.
      expect(sent[0]! - t0).toBeLessThan(windowMs / 2);
      const reads = [read("misc.b")];
      await new Promise((r) => setTimeout(r, 10));
      reads.push(read("misc.b"), read("misc.none"));
      const values = await Promise.all(reads);
      expect(values.map((v) => (v ? new TextDecoder().decode(v) : undefined))).toEqual(["{\"x\":2}", "{\"x\":2}", undefined]);
      // The three later gets: sent together, a window after the first batch.
      expect(sent).toHaveLength(4);
      expect(Math.max(...sent.slice(1)) - Math.min(...sent.slice(1))).toBeLessThan(5);
      expect(sent[1]! - sent[0]!).toBeGreaterThanOrEqual(windowMs - 2);
    } finally {
      nc.publish = publish;
      batched.close();
    }
  });
});

describe("DirectoryCache", () => {
  it("reads an app and its staff once while watching, again after each change", async () => {
    const owner = await writer.createUser({ uname: `o${randomBytes(3).toString("hex")}` });
    const member = await writer.createUser({ uname: `m${randomBytes(3).toString("hex")}` });
    const app = await writer.createApp({ name: "cached", owner_auth_id: owner.auth_id });
    const reads = counting(directKeyRead(gets, names.directoryBucket));
    const cache = new DirectoryCache(writer.kv, reads.read);
    await cache.start();
    try {
      expect(cache.caching).toBe(true);
      const appKey = `apps.${app.id}`;
      for (let i = 0; i < 3; i++) expect((await cache.getApp(app.id))?.name).toBe("cached");
      expect(reads.count(appKey)).toBe(1);
      for (let i = 0; i < 3; i++) expect(await cache.roleOf(app, member.auth_id)).toBe("MEMBER");

      await writer.addMod(app.id, member.auth_id);
      await eventually(async () => (await cache.roleOf(app, member.auth_id)) === "MOD");
      await writer.removeMod(app.id, member.auth_id);
      await eventually(async () => (await cache.roleOf(app, member.auth_id)) === "MEMBER");

      await writer.setAllowedOrigins(app, ["https://a.example"]);
      await eventually(async () => (await cache.getApp(app.id))?.allowed_origins?.[0] === "https://a.example");
      const afterChange = reads.count(appKey);
      await cache.getApp(app.id);
      expect(reads.count(appKey)).toBe(afterChange);

      // Watches down: nothing is kept, every read goes to the bucket.
      cache.stop();
      expect(cache.caching).toBe(false);
      const before = reads.count(appKey);
      await cache.getApp(app.id);
      await cache.getApp(app.id);
      expect(reads.count(appKey)).toBe(before + 2);
      await writer.addMod(app.id, member.auth_id);
      expect(await cache.roleOf(app, member.auth_id)).toBe("MOD");
    } finally {
      cache.stop();
    }
  });
});
