import { describe, expect, it } from "vitest";
import { ConfigError } from "@socketpot/service-kit";
import { loadGatewayConfig } from "../src/config";
import { leaveRetryDelayMs } from "../src/features/chat/leave-retry";

describe("chat leave retries", () => {
  it("wait 1 s after the first failure, doubling, capped at the maximum", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => leaveRetryDelayMs(f, 30_000))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    expect(leaveRetryDelayMs(1_000, 30_000)).toBe(30_000);
    expect(leaveRetryDelayMs(3, 1_500)).toBe(1_500);
  });

  it("cap defaults to 30 s (CHAT_LEAVE_RETRY_MAX_MS) and is at least 100 ms", () => {
    expect(loadGatewayConfig({}).CHAT_LEAVE_RETRY_MAX_MS).toBe(30_000);
    expect(loadGatewayConfig({ CHAT_LEAVE_RETRY_MAX_MS: "1000" }).CHAT_LEAVE_RETRY_MAX_MS).toBe(1_000);
    expect(() => loadGatewayConfig({ CHAT_LEAVE_RETRY_MAX_MS: "50" })).toThrow(ConfigError);
  });
});
