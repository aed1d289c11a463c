/**
 * FanoutRelay on real NATS with a real socket.io server and client: nothing thrown while
 * relaying a message leaves the NATS callback, and a subscription that ends on its own
 * makes LoopHealth report the gateway as not alive.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "vitest";
import { pino } from "pino";
import { Server } from "socket.io";
import { io as connectClient, type Socket as ClientSocket } from "socket.io-client";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { createNames, encode, type ChatFanout } from "@socketpot/contracts";
import { LoopHealth } from "../src/loop-health";
import { deliverEvery, recentIds } from "../src/relay/delivery-policy";
import { RecentIds } from "../src/relay/recent-ids";
import { FanoutRelay } from "../src/relay/fanout-relay";

const names = createNames(`relay_${Date.now().toString(36)}`);
const log = pino({ level: "silent" });
let nc: NatsConnection;
let io: Server;
let url: string;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  nc = await connect({ servers: inject("natsUrl") });
  const http = createServer();
  io = new Server(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await new Promise((resolve) => io.close(resolve));
  await nc.close();
});

/** A connected client and its server-side socket id. */
async function socketPair(): Promise<{ client: ClientSocket; id: string; received: string[] }> {
  const client = connectClient(url, { transports: ["websocket"], forceNew: true, reconnection: false });
  clients.push(client);
  const received: string[] = [];
  client.on("new_message", (m: { text: string }) => received.push(m.text));
  await new Promise<void>((resolve) => client.on("connect", () => resolve()));
  return { client, id: client.id!, received };
}

const message = (text: string): ChatFanout => ({
  type: "new_message",
  message: { id: 1, channel: "lobby", text, created_at: "2026-11-28T00:00:00.000Z" },
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5_000; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("FanoutRelay", () => {
  it("skips a message whose handling throws, counts it, and keeps relaying", async () => {
    const health = new LoopHealth(log);
    const relay = new FanoutRelay(io, nc, health, log);
    relay.handle("chat", {
      policy: deliverEvery,
      delivered: (_room, m) => {
        if (m.type === "new_message" && m.message.text === "poison") throw new RangeError("Maximum call stack size exceeded");
      },
    });
    const { id, received } = await socketPair();
    const room = names.fanout.chat(1);
    await relay.join(id, [{ family: "chat", subject: room }]);
    for (const text of ["before", "poison", "after"]) nc.publish(room, encode(message(text)));
    await until(() => received.length === 3, "three messages");
    expect(received).toEqual(["before", "poison", "after"]);
    expect(relay.failed).toBe(1);
    expect(await health.probe(nc)).toBe(true);
    relay.close();
  });

  it("has LoopHealth report a subscription that ended without the relay closing it", async () => {
    const health = new LoopHealth(log);
    const relay = new FanoutRelay(io, nc, health, log);
    relay.handle("chat", { policy: deliverEvery });
    const { id } = await socketPair();
    const room = names.fanout.chat(2);
    await relay.join(id, [{ family: "chat", subject: room }]);
    expect(health.alive).toBe(true);
    // The subscription ends under the relay (as when the server closes it).
    const sub = (relay as unknown as { subscriptions: Map<string, { sub: { unsubscribe(): void } }> }).subscriptions.get(room)!.sub;
    sub.unsubscribe();
    await until(() => !health.alive, "LoopHealth to notice");
    expect(await health.probe(nc)).toBe(false);
    relay.close();
  });

  it("does not count a subscription the relay dropped itself (its last room emptied)", async () => {
    const health = new LoopHealth(log);
    const relay = new FanoutRelay(io, nc, health, log);
    relay.handle("chat", { policy: deliverEvery });
    const { id, client } = await socketPair();
    await relay.join(id, [{ family: "chat", subject: names.fanout.chat(3) }]);
    client.close();
    await until(() => relay.subscriptionCount === 0, "the subscription to be dropped");
    await new Promise((r) => setTimeout(r, 50));
    expect(health.alive).toBe(true);
  });

  it("holds a room's live messages, then relays what it missed and what was held, in that order, through its policy", async () => {
    const health = new LoopHealth(log);
    const relay = new FanoutRelay(io, nc, health, log);
    relay.handle("chat", { policy: recentIds((m: ChatFanout) => (m.type === "new_message" ? m.message.id : undefined), () => new RecentIds(0)) });
    const { id, received } = await socketPair();
    const room = names.fanout.chat(4);
    await relay.join(id, [{ family: "chat", subject: room }]);
    expect(relay.roomsOf("chat")).toEqual([room]);
    const release = relay.hold([room]);
    nc.publish(room, encode(numbered(3, "live 3")));
    nc.publish(room, encode(numbered(2, "missed 2, also live")));
    await nc.flush();
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual([]);
    release(new Map([[room, [numbered(1, "missed 1"), numbered(2, "missed 2, also live")]]]));
    release(new Map([[room, [numbered(9, "a second release")]]]));
    await until(() => received.length === 3, "three messages");
    expect(received).toEqual(["missed 1", "missed 2, also live", "live 3"]);
    nc.publish(room, encode(numbered(4, "live 4")));
    await until(() => received.length === 4, "the live feed again");
    relay.close();
  });
});

const numbered = (id: number, text: string): ChatFanout => ({
  type: "new_message",
  message: { id, channel: "lobby", text, created_at: "2026-11-28T00:00:00.000Z" },
});
