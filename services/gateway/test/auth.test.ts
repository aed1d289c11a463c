import { describe, expect, it } from "vitest";
import { AuthRequest, type AppRecord, type Subscription, type UserObject } from "@socketpot/contracts";
import { authResponse, resolveAuth } from "../src/auth";
import type { FanoutRoom } from "../src/relay/fanout-relay";

const app: AppRecord = { id: 7, name: "dice", owner_auth_id: 1 };
const kate: UserObject = { uname: "kate", auth_id: 3, role: "MEMBER" };
const needsUser = (s: Subscription) => s === "DEPOSITS";
const request = (subscriptions: Subscription[], access_token?: string) => AuthRequest.parse({ app_id: 7, subscriptions, access_token });
const room = (family: FanoutRoom["family"], subject: string): FanoutRoom => ({ family, subject });

describe("resolveAuth", () => {
  it("fails an unknown app", () => {
    expect(resolveAuth(request(["CHAT"]), { app: undefined, user: kate }, needsUser)).toEqual({ ok: false, error: "UNKNOWN_APP" });
  });

  it("gives a user every subscription asked for, in the order asked", () => {
    expect(resolveAuth(request(["BETS", "DEPOSITS", "CHAT"], "t"), { app, user: kate }, needsUser)).toEqual({
      ok: true,
      app,
      user: kate,
      subscriptions: ["BETS", "DEPOSITS", "CHAT"],
    });
  });

  it("drops the subscriptions that need a user when the token gave none (absent, unknown, revoked, expired)", () => {
    expect(resolveAuth(request(["CHAT", "DEPOSITS"], "t"), { app, user: undefined }, needsUser)).toEqual({ ok: true, app, subscriptions: ["CHAT"] });
    expect(resolveAuth(request(["DEPOSITS"]), { app, user: undefined }, needsUser)).toEqual({ ok: true, app, subscriptions: [] });
  });
});

describe("resolveAuth with an app's allowed origins", () => {
  const locked: AppRecord = { ...app, allowed_origins: ["https://dice.example", "http://localhost:8080"] };

  it("admits a listed page, in any letter case", () => {
    expect(resolveAuth(request(["CHAT"]), { app: locked, user: kate, origin: "https://dice.example" }, needsUser)).toMatchObject({ ok: true });
    expect(resolveAuth(request(["CHAT"]), { app: locked, user: kate, origin: "HTTPS://Dice.Example" }, needsUser)).toMatchObject({ ok: true });
  });

  it("refuses any other page with FORBIDDEN", () => {
    for (const origin of ["https://evil.example", "https://dice.example.evil.example", "null", "http://localhost:8081"]) {
      expect(resolveAuth(request(["CHAT"]), { app: locked, user: kate, origin }, needsUser)).toEqual({ ok: false, error: "FORBIDDEN" });
    }
  });

  it("admits a client that sends no Origin (no browser page), and any page when the app lists none", () => {
    expect(resolveAuth(request(["CHAT"]), { app: locked, user: kate, origin: undefined }, needsUser)).toMatchObject({ ok: true });
    expect(resolveAuth(request(["CHAT"]), { app, user: kate, origin: "https://evil.example" }, needsUser)).toMatchObject({ ok: true });
  });
});

describe("authResponse", () => {
  const resolution = { ok: true as const, app, user: kate, subscriptions: ["CHAT", "BETS"] as Subscription[] };

  it("merges each join's response and rooms, with the user and the granted subscriptions", () => {
    const chat = { messages: [], userlist: {} };
    const outcome = authResponse(resolution, [
      { subscription: "CHAT", reply: { ok: true, result: { response: { chat }, rooms: [room("chat", "c.7")] } } },
      { subscription: "BETS", reply: { ok: true, result: { response: { bets: [] }, rooms: [room("bets", "b.7")] } } },
    ]);
    expect(outcome).toEqual({
      ok: true,
      response: { user: kate, chat, bets: [], subscriptions: ["CHAT", "BETS"] },
      rooms: [room("chat", "c.7"), room("bets", "b.7")],
      granted: ["CHAT", "BETS"],
    });
  });

  it("fails with the first failed join's error", () => {
    const outcome = authResponse(resolution, [
      { subscription: "CHAT", reply: { ok: false, error: "INTERNAL_ERROR" } },
      { subscription: "BETS", reply: { ok: true, result: { rooms: [] } } },
    ]);
    expect(outcome).toEqual({ ok: false, error: "INTERNAL_ERROR" });
  });

  it("answers an anonymous socket without a user, and nothing granted with empty subscriptions", () => {
    expect(authResponse({ ok: true, app, subscriptions: [] }, [])).toEqual({ ok: true, response: { subscriptions: [] }, rooms: [], granted: [] });
  });
});
