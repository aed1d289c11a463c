/**
 * Every server API endpoint's happy path on the whole product (chat on PostgreSQL, two
 * gateways, the API service), with real socket.io clients watching what a browser sees.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticate, once, record, waitFor, type AnyClient } from "../support/clients";
import { call, startApi, type RunningApi } from "../support/api";
import { openDirectoryWriter } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { startStack, type Stack } from "../support/stack";

let stack: Stack;
let api: RunningApi;
let key: string;
/** A second gateway: presence, events and disconnects span every gateway. */
let gateway2: RunningGateway;
const clients: AnyClient[] = [];

beforeAll(async () => {
  stack = await startStack();
  // The rate limit has its own test (api-errors); here 105 posts in a row must all land.
  api = await startApi(stack.ns.nc, stack.ns.namespace, { API_RATE_LIMIT: "0" });
  gateway2 = await startGateway(stack.ns.nc, stack.ns.namespace);
  key = (await (await openDirectoryWriter(stack.ns.nc, stack.ns.names)).createApiKey({ app_id: stack.app.app_id, acting_name: "JackpotBot" })).key;
});
afterAll(async () => {
  for (const c of clients) c.close();
  await api?.stop();
  await gateway2?.stop();
  await stack?.stop();
});

const path = (rest: string) => `/v1/apps/${stack.app.app_id}${rest}`;
const member = () => stack.app.members[0]!;

describe("server API endpoints", () => {
  it("POST chat/messages: a system message and an owner's message reach chat sockets as new_message", async () => {
    const { client } = await authenticate(stack.gateway.url, { app_id: stack.app.app_id, subscriptions: ["CHAT"] }, clients);
    const seen = record(client, ["new_message"]);
    const system = await call(api.url, key, "POST", path("/chat/messages"), { text: "  Jackpot won!  ", as: "system" });
    expect(system.status, JSON.stringify(system.body)).toBe(201);
    expect(system.body.message).toMatchObject({ text: "Jackpot won!", channel: "lobby" });
    expect(system.body.message.user).toBeUndefined();
    const owner = await call(api.url, key, "POST", path("/chat/messages"), { text: "hello", channel: "support" });
    expect(owner.status).toBe(201);
    expect(owner.body.message).toMatchObject({ text: "hello", channel: "support", user: { uname: stack.app.owner.uname, role: "OWNER" } });
    await waitFor(() => seen.length === 2, 5_000, "two new_message events");
    expect(seen.map((e) => e.payload)).toEqual([system.body.message, owner.body.message]);
  });

  it("GET chat/messages: pages back with before_id past the latest 100", async () => {
    for (let i = 0; i < 105; i++) expect((await call(api.url, key, "POST", path("/chat/messages"), { text: `m${i}`, as: "system" })).status).toBe(201);
    const latest = await call(api.url, key, "GET", path("/chat/messages"));
    expect(latest.status).toBe(200);
    expect(latest.body.messages).toHaveLength(100);
    expect(latest.body.messages.at(-1).text).toBe("m104");
    const older = await call(api.url, key, "GET", path(`/chat/messages?before_id=${latest.body.messages[0].id}&limit=5`));
    expect(older.status).toBe(200);
    // The latest 100 are m5..m104: the page before them ends with m4.
    expect(older.body.messages.map((m: { text: string }) => m.text)).toEqual(["m0", "m1", "m2", "m3", "m4"]);
  });

  it("POST mutes and DELETE mutes/:uname: the user is muted and unmuted, with the system messages of /mute", async () => {
    const { client } = await authenticate(stack.gateway.url, { app_id: stack.app.app_id, access_token: member().token, subscriptions: ["CHAT"] }, clients);
    const muted = await call(api.url, key, "POST", path("/mutes"), { uname: member().uname, duration: "10 mins" });
    expect(muted.status, JSON.stringify(muted.body)).toBe(201);
    expect(muted.body.message.text).toBe(`JackpotBot muted ${member().uname} for 10 minutes`);
    const [err] = await new Promise<[string | null]>((resolve) => client.emit("new_message", { text: "hi" }, (e: string | null) => resolve([e])));
    expect(err).toBe("USER_IS_MUTED");
    const unmuted = await call(api.url, key, "DELETE", path(`/mutes/${member().uname}?acting_name=Admin`));
    expect(unmuted.status).toBe(200);
    expect(unmuted.body.message.text).toBe(`Admin unmuted ${member().uname}`);
    const [err2] = await new Promise<[string | null]>((resolve) => client.emit("new_message", { text: "hi" }, (e: string | null) => resolve([e])));
    expect(err2).toBeNull();
  });

  it("GET presence: the userlist with each user's number of sockets across gateways", async () => {
    const m = stack.app.members[1]!;
    for (const url of [stack.gateway.url, gateway2.url]) await authenticate(url, { app_id: stack.app.app_id, access_token: m.token, subscriptions: ["CHAT"] }, clients);
    const res = await call(api.url, key, "GET", path("/presence"));
    expect(res.status).toBe(200);
    expect(res.body.users).toContainEqual({ uname: m.uname, auth_id: m.auth_id, role: "MEMBER", sockets: 2 });
  });

  it("POST events: app_event to all of the app's sockets, or to one user's", async () => {
    const anon = (await authenticate(stack.gateway.url, { app_id: stack.app.app_id, subscriptions: ["BETS"] }, clients)).client;
    const user = (await authenticate(gateway2.url, { app_id: stack.app.app_id, access_token: member().token, subscriptions: ["BETS"] }, clients)).client;
    const anonSeen = record(anon, ["app_event"]);
    const toAll = once(user, "app_event");
    expect((await call(api.url, key, "POST", path("/events"), { name: "jackpot:won", data: { amount: 5 } })).status).toBe(202);
    expect(await toAll).toEqual({ name: "jackpot:won", data: { amount: 5 } });
    await waitFor(() => anonSeen.length === 1, 5_000, "the anonymous socket's app_event");
    const toUser = once(user, "app_event");
    expect((await call(api.url, key, "POST", path("/events"), { name: "bonus", data: [1, "two"], auth_id: member().auth_id })).status).toBe(202);
    expect(await toUser).toEqual({ name: "bonus", data: [1, "two"] });
    await new Promise((r) => setTimeout(r, 200));
    expect(anonSeen).toHaveLength(1);
  });

  it("POST users/:auth_id/disconnect: every socket of the user, on every gateway, is told why and disconnected", async () => {
    const u = member();
    const a = (await authenticate(stack.gateway.url, { app_id: stack.app.app_id, access_token: u.token, subscriptions: ["CHAT"] }, clients)).client;
    const b = (await authenticate(gateway2.url, { app_id: stack.app.app_id, access_token: u.token, subscriptions: ["BETS"] }, clients)).client;
    const other = (await authenticate(stack.gateway.url, { app_id: stack.app.app_id, access_token: stack.app.mod.token, subscriptions: ["CHAT"] }, clients)).client;
    const told = [once<string>(a, "client_error"), once<string>(b, "client_error")];
    const gone = [once(a, "disconnect"), once(b, "disconnect")];
    const res = await call(api.url, key, "POST", path(`/users/${u.auth_id}/disconnect`), { reason: "account closed" });
    expect(res.status).toBe(202);
    for (const text of await Promise.all(told)) expect(text).toBe(`Disconnected by app ${stack.app.app_id}: account closed`);
    await Promise.all(gone);
    expect(other.connected).toBe(true);
  });

  it("serves the OpenAPI 3.1 document generated from the schemas", async () => {
    const res = await call(api.url, undefined, "GET", "/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(["/v1/apps/{app_id}/chat/messages", "/v1/apps/{app_id}/mutes", "/v1/apps/{app_id}/mutes/{uname}", "/v1/apps/{app_id}/presence", "/v1/apps/{app_id}/users/{auth_id}/disconnect", "/v1/apps/{app_id}/events"]),
    );
    const post = res.body.paths["/v1/apps/{app_id}/chat/messages"].post;
    expect(post.requestBody.content["application/json"].schema).toMatchObject({
      properties: { text: { type: "string" }, channel: { pattern: "^[a-z0-9_:-]+$" }, as: { enum: ["system"] } },
      required: ["text"],
    });
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(["201", "400", "401", "403", "413", "429", "503"]));
    expect(post.responses["201"].content["application/json"].schema.properties.message.required).toEqual(["id", "channel", "text", "created_at"]);
    expect(res.body.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
  });
});
