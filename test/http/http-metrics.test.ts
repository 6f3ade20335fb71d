// The scrape-time HTTP metrics (src/metrics/http.ts) against prom-client's own Counter and
// Histogram: for the same observations, the registries must expose the same text and JSON.
import fc from "fast-check";
import { Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { HTTP_REQUEST_DURATION, HTTP_REQUESTS, promOptions } from "../../src/metrics/contract.ts";
import { registerHttpMetrics } from "../../src/metrics/http.ts";

type Observation = [method: string, route: string, status: number, seconds: number];

function both(observations: Observation[]) {
  const ours = new Registry();
  const metrics = registerHttpMetrics(ours);
  const theirs = new Registry();
  const counter = new Counter({ ...promOptions(HTTP_REQUESTS), registers: [theirs] });
  const histogram = new Histogram({ ...promOptions(HTTP_REQUEST_DURATION), registers: [theirs] });
  for (const [method, route, status, seconds] of observations) {
    metrics.observe(method, route, status, seconds);
    const labels = { method, route, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return { ours, theirs };
}

/** Exposition lines grouped: the header lines in order, then each sample as name{labels} -> value. */
function parse(text: string) {
  const lines = text.trim().split("\n");
  const headers = lines.filter((l) => l.startsWith("#"));
  const samples = new Map<string, number>();
  for (const line of lines.filter((l) => !l.startsWith("#"))) {
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { headers, samples };
}

const observation = fc.tuple(
  fc.constantFrom("GET", "HEAD", "POST"),
  fc.constantFrom("/generate", "/decode/:id", "unmatched"),
  fc.constantFrom(200, 400, 404, 503),
  fc.oneof(
    fc.double({ min: 0, max: 5, noNaN: true }),
    fc.constantFrom(...(HTTP_REQUEST_DURATION.buckets as number[]), 0, 2.5, 10),
  ),
);

describe("HTTP metrics match prom-client's Counter and Histogram", () => {
  it("the same exposition text for any observations (bucket edges included)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const { ours, theirs } = both(observations);
        const a = parse(await ours.metrics());
        const b = parse(await theirs.metrics());
        expect(a.headers).toEqual(b.headers);
        expect([...a.samples.keys()].sort()).toEqual([...b.samples.keys()].sort());
        for (const [key, value] of b.samples) expect(a.samples.get(key)).toBeCloseTo(value, 9);
      }),
      { numRuns: 100 },
    );
  });

  it("the same text byte for byte for fixed observations, and the same JSON", async () => {
    const observations: Observation[] = [
      ["GET", "/generate", 200, 0.0004],
      ["GET", "/generate", 200, 0.001],
      ["GET", "/generate", 200, 3],
      ["HEAD", "unmatched", 404, 0.02],
    ];
    const { ours, theirs } = both(observations);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client's Histogram adds `exemplar: null` (exemplars are off); nothing else may differ.
    const withoutExemplars = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (key, value) => (key === "exemplar" ? undefined : value)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
      withoutExemplars(await theirs.getMetricsAsJSON()),
    );
    expect(await ours.metrics()).toMatch(
      /^http_request_duration_seconds_bucket\{le="0.001",method="GET",route="\/generate",status="200"\} 2$/m,
    );
  });

  it("resetMetrics clears the series, as it does prom-client's", async () => {
    const { ours, theirs } = both([["GET", "/health", 200, 0.001]]);
    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).not.toMatch(/route=/);
  });
});
