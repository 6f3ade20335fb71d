import { describe, expect, it } from "vitest";
import { throttledWarn } from "../../src/http/throttled-log.ts";
import { FakeClock } from "../support/fake-clock.ts";

describe("throttledWarn", () => {
  it("logs a kind at most once per interval and reports how many it held back", () => {
    const lines: object[] = [];
    const logger = {
      info: () => {},
      error: () => {},
      warn: (fields: object) => lines.push(fields),
    };
    const clock = new FakeClock(0);
    const warn = throttledWarn(logger, clock, 1_000);
    for (let i = 0; i < 5; i++) warn("LEASE_EXPIRED", { i }, "cannot issue");
    warn("CLOCK_BACKWARD", { i: 99 }, "cannot issue");
    clock.advance(1_000);
    warn("LEASE_EXPIRED", { i: 5 }, "cannot issue");
    expect(lines).toEqual([
      { i: 0, suppressed: 0 },
      { i: 99, suppressed: 0 },
      { i: 5, suppressed: 4 },
    ]);
  });
});
