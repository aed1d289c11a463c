/**
 * Real socket.io clients of every supported major version (4.x, 2.x, 1.x).
 */
import { createRequire } from "node:module";
import { io as ioV4, type Socket as SocketV4 } from "socket.io-client";

const require = createRequire(import.meta.url);

/** The part of the client API that all supported versions share. */
export interface AnyClient {
  id?: string;
  connected: boolean;
  on(event: string, fn: (...args: any[]) => void): unknown;
  off?(event: string, fn?: (...args: any[]) => void): unknown;
  removeListener?(event: string, fn: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
  disconnect(): unknown;
  close(): unknown;
}

export type ClientVersion = 1 | 2 | 4;

export function connectClient(url: string, version: ClientVersion = 4, opts: Record<string, unknown> = {}): AnyClient {
  const base = { transports: ["websocket"], forceNew: true, reconnection: false, ...opts };
  if (version === 4) return ioV4(url, base) as unknown as AnyClient;
  const legacy = require(version === 2 ? "socket.io-client-v2" : "socket.io-client-v1") as (
    url: string,
    opts: object,
  ) => AnyClient;
  return legacy(url, { ...base, multiplex: false });
}

export type TypedClient = SocketV4;

export function once<T = unknown>(client: AnyClient, event: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for '${event}'`)), timeoutMs);
    const handler = (value: T) => {
      clearTimeout(timer);
      (client.off ?? client.removeListener)?.call(client, event, handler);
      resolve(value);
    };
    client.on(event, handler);
  });
}

export function connected(client: AnyClient, timeoutMs = 10_000): Promise<void> {
  if (client.connected) return Promise.resolve();
  return once(client, "connect", timeoutMs).then(() => undefined);
}

/** Emits with an acknowledgement callback; resolves with the callback's arguments. */
export function request<T = unknown>(
  client: AnyClient,
  event: string,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<[err: string | null | undefined, result: T | undefined]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no callback for '${event}' within ${timeoutMs} ms`)), timeoutMs);
    client.emit(event, payload, (err: string | null | undefined, result?: T) => {
      clearTimeout(timer);
      resolve([err, result]);
    });
  });
}

/** Collects every payload of the given events, in arrival order. */
export function record(client: AnyClient, events: string[]): Array<{ event: string; payload: any }> {
  const log: Array<{ event: string; payload: any }> = [];
  for (const event of events) client.on(event, (payload: unknown) => log.push({ event, payload }));
  return log;
}

/** Polls `check` until it returns true or the time is up. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface AuthenticatedClient {
  client: AnyClient;
  auth: import("@socketpot/contracts").AuthResponse;
}

/**
 * Connects a 4.x client, authenticates it and adds it to `track` (for cleanup); rejects
 * unless the auth callback succeeds.
 */
export async function authenticate(
  url: string,
  auth: { app_id: number; access_token?: string; subscriptions: string[] },
  track: AnyClient[],
): Promise<AuthenticatedClient> {
  const client = connectClient(url);
  track.push(client);
  await connected(client);
  const [err, res] = await request<AuthenticatedClient["auth"]>(client, "auth", auth);
  if (err || !res) throw new Error(`auth failed: ${err}`);
  return { client, auth: res };
}
