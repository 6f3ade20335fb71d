import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createLayout,
  DEFAULT_EPOCH_MS,
  formatId,
  ID_FORMATS,
  idsOfRuns,
  SnowflakeGenerator,
} from "../../src/core/index.ts";
import { batchBody, singleIdBody } from "../../src/http/id-body.ts";
import { FakeClock } from "../support/fake-clock.ts";

// /generate's bodies are written from runs without JSON.stringify: they must be byte for byte what
// JSON.stringify and join would have made, across runs (tick rolls) and in every format.

const START = Date.UTC(2026, 0, 1);
const decoder = new TextDecoder();

describe("/generate bodies from runs", () => {
  it("equal JSON.stringify / join of the IDs, across tick rolls, in every format", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("custom:51/10/2/1", "custom:48/10/5/10", "classic"),
        fc.integer({ min: 0, max: 1023 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom(...ID_FORMATS),
        async (name, worker, count, skip, format) => {
          const layout = createLayout(name, DEFAULT_EPOCH_MS, START);
          const gen = new SnowflakeGenerator({
            layout,
            clock: new FakeClock(START),
            workerId: worker % (layout.maxWorkerId + 1),
          });
          if (skip > 0) await gen.nextBatchAsync(skip); // start mid-tick
          const runs = await gen.nextRunsAsync(count);
          const texts = idsOfRuns(runs).map((id) => formatId(id, format));
          expect(decoder.decode(batchBody(runs, format, false))).toBe(
            JSON.stringify({ ids: texts }),
          );
          expect(decoder.decode(batchBody(runs, format, true))).toBe(`${texts.join("\n")}\n`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a single ID: {"id":…} or one line', () => {
    const layout = createLayout("classic", DEFAULT_EPOCH_MS, START);
    const gen = new SnowflakeGenerator({ layout, clock: new FakeClock(START), workerId: 3 });
    const runs = gen.tryNextRuns(1) ?? [];
    const first = runs[0]?.first ?? -1n;
    const id = first.toString();
    expect(singleIdBody(runs, "decimal", false)).toBe(JSON.stringify({ id }));
    expect(singleIdBody(runs, "decimal", true)).toBe(`${id}\n`);
    expect(singleIdBody(runs, "hex", false)).toBe(JSON.stringify({ id: formatId(first, "hex") }));
  });
});
