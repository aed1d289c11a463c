/** The typed client of docs/CLIENT-EXAMPLES.md (examples/typed-client.ts) against a real gateway. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DepositsCursor, type AuthResponse } from "@socketpot/contracts";
import { connectSocketpot, say, type SocketpotSocket } from "../../examples/typed-client";
import { waitFor } from "../support/clients";
import type { SeededApp } from "../support/directory";
import type { RunningGateway } from "../support/gateway";
import { walletEvents as ev } from "../support/wallet";
import { useServers } from "../support/servers";

const servers = useServers({ apps: { app: 1 }, watcher: {}, gateways: { gw: {} } });
let gw: RunningGateway;
let app: SeededApp;
const sockets: SocketpotSocket[] = [];

beforeAll(() => {
  ({ apps: { app }, gateways: { gw } } = servers);
});

afterAll(async () => {
  for (const s of sockets) s.close();
});

describe("examples/typed-client.ts", () => {
  it("authenticates with the typed event maps and returns the server's error code from say()", async () => {
    const clientErrors: string[] = [];
    const { socket, ready } = connectSocketpot({
      url: gw.url,
      appId: app.app_id,
      accessToken: app.members[0]!.token,
      subscriptions: ["BETS"],
      onClientError: (text) => clientErrors.push(text),
    });
    sockets.push(socket);
    const auth = await ready;
    expect(auth.user).toEqual({ uname: app.members[0]!.uname, auth_id: app.members[0]!.auth_id, role: "MEMBER" });
    expect(auth.subscriptions).toEqual(["BETS"]);
    // Not subscribed to CHAT: the callback's error code comes back as the result.
    expect(await say(socket, "hello")).toBe("NOT_SUBSCRIBED");
    await waitFor(() => clientErrors.some((t) => t.includes("CHAT")), 5_000, "the client_error");
  });

  it("rejects with the callback's error when the app does not exist", async () => {
    const clientErrors: string[] = [];
    const { socket, ready } = connectSocketpot({
      url: gw.url,
      appId: 987_654,
      subscriptions: ["BETS"],
      onClientError: (text) => clientErrors.push(text),
    });
    sockets.push(socket);
    await expect(ready).rejects.toThrow(/auth failed: UNKNOWN_APP/);
    await waitFor(() => clientErrors.some((t) => t.includes("987654")), 5_000, "the client_error");
  });

  it("recovers the deposit notifications missed while the connection was down", async () => {
    const me = app.members[0]!;
    const who = { app_id: app.app_id, auth_id: me.auth_id };
    const deposits = new DepositsCursor();
    const auths: AuthResponse[] = [];
    const { socket, ready } = connectSocketpot({ url: gw.url, appId: app.app_id, accessToken: me.token, subscriptions: ["DEPOSITS"], deposits, onAuth: (a) => auths.push(a) });
    sockets.push(socket);
    const shown: Array<[string, number]> = [];
    socket.on("balance_change", (c) => {
      const arrival = deposits.take(c);
      if (arrival !== "duplicate") shown.push([arrival, c.seq]);
    });
    await ready;
    await servers.publishWallet(ev.adjusted(who, 10, 10));
    await waitFor(() => shown.length === 1, 10_000, "the first notification");

    // The network drops; five notifications go out meanwhile; socket.io-client reconnects.
    const down = new Promise((r) => socket.once("disconnect", r));
    socket.io.engine.close();
    await down;
    for (let i = 2; i <= 6; i++) await servers.publishWallet(ev.adjusted(who, 10, 10 * i));
    await waitFor(() => auths.length === 2, 15_000, "the re-authentication");
    await waitFor(() => shown.length === 6, 10_000, "the recovered notifications");
    await servers.publishWallet(ev.adjusted(who, 10, 70));
    await waitFor(() => shown.length === 7, 10_000, "the live notification");

    expect(auths[1]!.deposits).toEqual({ unconfirmed_balance: 0, seq: 6, recovered: true });
    expect(deposits.recovered).toBe(5);
    expect(shown).toEqual([["live", 1], ["replayed", 2], ["replayed", 3], ["replayed", 4], ["replayed", 5], ["replayed", 6], ["live", 7]]);
  });
});
