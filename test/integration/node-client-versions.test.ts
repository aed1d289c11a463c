/**
 * The Node.js socket.io clients of every supported major line (1.7.4, 2.5.0, 4.8.x), with
 * their default transports (long-polling, upgraded to a websocket) and over long-polling
 * only: auth with CHAT+DEPOSITS+BETS, non-ASCII chat both ways, a deposit and a bet. In
 * Node, 1.x and 2.x poll with `b64=1` (text payloads), unlike in a browser.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstream } from "@nats-io/jetstream";
import { betIdBase, depositEvents, makeBet, publishBet, publishWalletEvent } from "@socketpot/simulator";
import { connected, connectClient, once, record, request, waitFor, type AnyClient, type ClientVersion } from "../support/clients";
import { startStack, type Stack } from "../support/stack";

const TEXT = "ünïcødé ✓ 🎲";
const VERSIONS: ClientVersion[] = [1, 2, 4];
const MODES = { upgrade: ["polling", "websocket"], polling: ["polling"] } as const;
const CASES = VERSIONS.flatMap((version) => (Object.keys(MODES) as Array<keyof typeof MODES>).map((mode) => ({ version, mode })));

let stack: Stack;
let owner: AnyClient;
let ownerHeard: Array<{ event: string; payload: any }>;
const clients: AnyClient[] = [];
let nextBet = betIdBase();

beforeAll(async () => {
  stack = await startStack({ members: CASES.length });
  owner = connectClient(stack.gateway.url);
  clients.push(owner);
  await connected(owner);
  const [err] = await request(owner, "auth", { app_id: stack.app.app_id, access_token: stack.app.owner.token, subscriptions: ["CHAT"] });
  expect(err).toBeNull();
  ownerHeard = record(owner, ["new_message"]);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await stack?.stop();
});

describe.each(CASES.map((c, i) => [`${c.version}.x ${c.mode}`, c, i] as const))("socket.io-client %s in Node", (name, { version, mode }, i) => {
  it("authenticates with CHAT+DEPOSITS+BETS, chats both ways, gets a deposit and a bet", async () => {
    const me = stack.app.members[i]!;
    const client = connectClient(stack.gateway.url, version, { transports: [...MODES[mode]] });
    clients.push(client);
    const heard = record(client, ["new_message", "balance_change", "new_bet"]);
    await connected(client);
    const [err, auth] = await request<any>(client, "auth", { app_id: stack.app.app_id, access_token: me.token, subscriptions: ["CHAT", "DEPOSITS", "BETS"] });
    expect(err).toBeNull();
    expect(auth.user.uname).toBe(me.uname);
    expect(auth.subscriptions).toEqual(["CHAT", "DEPOSITS", "BETS"]);

    const live = `to ${name} ${TEXT}`;
    expect((await request(owner, "new_message", { text: live }))[0]).toBeNull();
    await waitFor(() => heard.some((e) => e.event === "new_message" && e.payload.text === live), 10_000, "the live message");
    const mine = `from ${name} ${TEXT}`;
    expect((await request(client, "new_message", { text: mine }))[0]).toBeNull();
    await waitFor(() => ownerHeard.some((e) => e.payload.text === mine), 10_000, "the post at the owner");
    expect(ownerHeard.find((e) => e.payload.text === mine)?.payload.user).toMatchObject({ uname: me.uname });

    const balance = once<{ balance: number; diff: number }>(client, "balance_change", 15_000);
    const amount = 2000 + i;
    await publishWalletEvent(jetstream(stack.ns.nc), stack.ns.names, depositEvents({ appId: stack.app.app_id, authId: me.auth_id, amount, balanceAfter: amount }).confirmed);
    expect(await balance).toMatchObject({ balance: amount, diff: amount });

    const bettor = { auth_id: me.auth_id, uname: me.uname };
    const timer = setInterval(() => publishBet(stack.ns.nc, stack.ns.names, makeBet({ id: nextBet++, appId: stack.app.app_id, user: bettor })), 250);
    try {
      await waitFor(() => heard.some((e) => e.event === "new_bet" && e.payload.uname === me.uname), 15_000, "a bet");
    } finally {
      clearInterval(timer);
    }
    client.close();
  });
});
