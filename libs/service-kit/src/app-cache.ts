import type { AppRecord } from "@socketpot/contracts";
import type { DirectoryReader } from "./directory";

/**
 * A small, bounded, short-lived cache of app records (the gateway's auths, the server API's
 * calls): a storm of requests for one app reads the directory once, and a change to an app is
 * seen within `ttlMs`.
 */
export class AppCache {
  private readonly entries = new Map<number, { app: AppRecord | undefined; at: number; pending?: Promise<AppRecord | undefined> }>();

  constructor(
    private readonly directory: Pick<DirectoryReader, "getApp">,
    private readonly ttlMs = 2_000,
    private readonly capacity = 10_000,
  ) {}

  async get(appId: number, now = Date.now()): Promise<AppRecord | undefined> {
    const hit = this.entries.get(appId);
    if (hit?.pending) return hit.pending;
    if (hit && now - hit.at < this.ttlMs) return hit.app;
    const pending = this.directory.getApp(appId);
    this.set(appId, { app: undefined, at: now, pending });
    try {
      const app = await pending;
      this.set(appId, { app, at: Date.now() });
      return app;
    } catch (err) {
      this.entries.delete(appId);
      throw err;
    }
  }

  private set(appId: number, entry: { app: AppRecord | undefined; at: number; pending?: Promise<AppRecord | undefined> }) {
    this.entries.delete(appId);
    this.entries.set(appId, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
