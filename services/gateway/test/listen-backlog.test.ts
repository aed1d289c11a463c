import { describe, expect, it } from "vitest";
import { ConfigError } from "@socketpot/service-kit";
import { loadGatewayConfig } from "../src/config";

describe("gateway LISTEN_BACKLOG", () => {
  it("defaults to 4096 so a reconnect storm queues instead of dropping connection attempts", () => {
    expect(loadGatewayConfig({}).LISTEN_BACKLOG).toBe(4096);
  });

  it("reads the variable and rejects values outside 1-65535", () => {
    expect(loadGatewayConfig({ LISTEN_BACKLOG: "1024" }).LISTEN_BACKLOG).toBe(1024);
    expect(() => loadGatewayConfig({ LISTEN_BACKLOG: "0" })).toThrow(ConfigError);
    expect(() => loadGatewayConfig({ LISTEN_BACKLOG: "70000" })).toThrow(ConfigError);
  });
});
