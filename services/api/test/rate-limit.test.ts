import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/rate-limit";

describe("RateLimiter", () => {
  it("admits `limit` requests per window per key and says when the window ends", () => {
    let now = 1_000;
    const limiter = new RateLimiter(2, 1_000, () => now);
    expect(limiter.take("a")).toEqual({ ok: true });
    expect(limiter.take("a")).toEqual({ ok: true });
    now += 400;
    expect(limiter.take("a")).toEqual({ ok: false, retryAfterMs: 600 });
    expect(limiter.take("b")).toEqual({ ok: true });
    now += 600;
    expect(limiter.take("a")).toEqual({ ok: true });
  });

  it("admits everything with limit 0", () => {
    const limiter = new RateLimiter(0, 1_000, () => 0);
    for (let i = 0; i < 100; i++) expect(limiter.take("a").ok).toBe(true);
  });
});
