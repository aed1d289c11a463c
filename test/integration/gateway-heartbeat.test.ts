import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayGoodbye, GatewayHeartbeat, decode } from "@socketpot/contracts";
import { startGateway } from "../support/gateway";
import { createTestNamespace, type TestNamespace } from "../support/nats";
import { waitFor } from "../support/clients";

let ns: TestNamespace;
beforeAll(async () => {
  ns = await createTestNamespace();
});
afterAll(async () => {
  await ns?.cleanup();
});

describe("gateway liveness", () => {
  it("publishes heartbeats while running and a goodbye when stopped gracefully", async () => {
    const beats: GatewayHeartbeat[] = [];
    const byes: GatewayGoodbye[] = [];
    ns.nc.subscribe(ns.names.gateway.heartbeat, {
      callback: (_e, m) => {
        const d = decode(GatewayHeartbeat, m.data);
        if (d.ok) beats.push(d.value);
      },
    });
    ns.nc.subscribe(ns.names.gateway.goodbye, {
      callback: (_e, m) => {
        const d = decode(GatewayGoodbye, m.data);
        if (d.ok) byes.push(d.value);
      },
    });
    await ns.nc.flush();
    const gw = await startGateway(ns.nc, ns.namespace, { HEARTBEAT_INTERVAL_MS: "150" });
    await waitFor(() => beats.length >= 3, 5_000, "three heartbeats");
    expect(beats.every((b) => b.gateway_id === gw.gateway.gatewayId && b.interval_ms === 150)).toBe(true);
    expect(byes).toEqual([]);
    await gw.stop();
    await waitFor(() => byes.length === 1, 5_000, "the goodbye");
    expect(byes[0]).toEqual({ gateway_id: gw.gateway.gatewayId });
    const count = beats.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(beats.length).toBe(count);
  });
});
