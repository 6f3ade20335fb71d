// The CI variant of `npm run soak`: 30 s of autocannon at 100 connections against a real Node
// server. The 10-minute run and its figures are in docs/RELIABILITY.md.
import { describe, expect, it } from "vitest";
import { describeSoak, runSoak, soakVerdict } from "../../scripts/soak.ts";

describe("soak (CI variant, 30 s at 100 connections)", () => {
  it("zero errors and non-2xx, bounded memory, healthy and issuing correct IDs afterwards", async () => {
    const result = await runSoak({ seconds: 30, connections: 100, warmupSeconds: 5 });
    console.log(`soak: ${describeSoak(result)}`);
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests).toBeGreaterThan(10_000);
    expect(result.healthyAfterwards).toBe(true);
    // Generous for a short run on a shared machine (the heap is still growing into its steady
    // size after 5 s of warm-up); the same bounds as `npm run soak`'s verdict.
    expect(result.rssGrowth).toBeLessThan(0.5);
    expect(result.rssMiB.peak).toBeLessThan(512);
    // The heap's post-collection floor: a leak of a few hundred bytes per request would double it.
    expect(result.heapUsedGrowth).toBeLessThan(1);
    // `npm run soak` judges by the same checks, so a healthy run passes there too.
    expect(soakVerdict(result)).toEqual([]);
  }, 120_000);
});
