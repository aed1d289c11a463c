/** The typed client of docs/CLIENT-EXAMPLES.md (examples/typed-client.ts) against a real gateway. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectSocketpot, say, type SocketpotSocket } from "../../examples/typed-client";
import { waitFor } from "../support/clients";
import { openDirectoryWriter, seedApp, type SeededApp } from "../support/directory";
import { startGateway, type RunningGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";

let ns: TestNamespace;
let gw: RunningGateway;
let app: SeededApp;
const sockets: SocketpotSocket[] = [];

beforeAll(async () => {
  ns = await createTestNamespace();
  app = await seedApp(await openDirectoryWriter(ns.nc, ns.names), 1);
  gw = await startGateway(ns.nc, ns.namespace);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await gw?.stop();
  await ns?.cleanup();
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
});
