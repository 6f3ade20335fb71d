import { describe, expect, it } from "vitest";
import { backoffMs, retryAfterMs } from "../../src/client/retry.ts";

describe("Retry-After and backoff", () => {
  it("reads delay-seconds and HTTP dates, and ignores anything else", () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(retryAfterMs("1", now)).toBe(1000);
    expect(retryAfterMs(" 120 ", now)).toBe(120_000);
    expect(retryAfterMs("Thu, 01 Jan 2026 12:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Thu, 01 Jan 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs(null, now)).toBeUndefined();
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs("-1", now)).toBeUndefined();
  });

  it("doubles up to the cap, half of each wait random", () => {
    expect(backoffMs(0, 50, 2000, 0)).toBe(25);
    expect(backoffMs(0, 50, 2000, 1)).toBe(50);
    expect(backoffMs(3, 50, 2000, 0.5)).toBe(300);
    expect(backoffMs(10, 50, 2000, 0)).toBe(1000);
    expect(backoffMs(1000, 50, 2000, 1)).toBe(2000);
  });
});
