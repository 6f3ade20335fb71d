// `npm run soak`'s verdict on figures (no load run): the documented healthy 10-minute run passes,
// while errors, a growing heap floor or unbounded RSS fail it.
import { describe, expect, it } from "vitest";
import { type SoakResult, soakVerdict } from "../../scripts/soak.ts";

// docs/RELIABILITY.md's last 10-minute figures: RSS +29.7% in one step, heap floor -32%.
const documented: SoakResult = {
  seconds: 600,
  warmupSeconds: 30,
  connections: 100,
  requests: 11_303_104,
  requestsPerSecond: 18_817,
  idsPerSecond: 351_000,
  errors: 0,
  non2xx: 0,
  latencyMs: { p50: 4, p99: 16, max: 474 },
  rssMiB: { baseline: 177.5, final: 230.3, peak: 230.3 },
  rssGrowth: 0.297,
  heapUsedMiB: { baseline: 28.4, final: 19.4 },
  heapUsedGrowth: -0.32,
  trace: [],
  healthyAfterwards: true,
};

describe("soakVerdict", () => {
  it("passes the documented healthy run (RSS steps up once while the heap floor falls)", () => {
    expect(soakVerdict(documented)).toEqual([]);
  });

  it("fails errors, an unhealthy end, a doubled heap floor, and RSS beyond its bounds", () => {
    expect(soakVerdict({ ...documented, errors: 3, non2xx: 3 })).toEqual(["3 errors (3 non-2xx)"]);
    expect(soakVerdict({ ...documented, healthyAfterwards: false })).toHaveLength(1);
    expect(soakVerdict({ ...documented, heapUsedGrowth: 1.5 })[0]).toMatch(/heap floor grew 150%/);
    expect(soakVerdict({ ...documented, rssGrowth: 0.6 })[0]).toMatch(/RSS grew 60%/);
    const peak = { ...documented, rssMiB: { ...documented.rssMiB, peak: 600 } };
    expect(soakVerdict(peak)[0]).toMatch(/RSS peaked at 600 MiB/);
  });
});
