import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  composeId,
  createLayout,
  DEFAULT_EPOCH_MS,
  formatId,
  ID_FORMATS,
  type IdFormat,
  MAX_ID,
  MAX_ID_WIDTH,
  PRESETS,
  writeConsecutive,
} from "../../src/core/index.ts";

// The digit-increment formatting must equal BigInt.toString (via formatId) for every ID it writes:
// carries through many digits, across a digit-count boundary (999 -> 1000), across a tick's roll
// into the worker bits, in every format and layout (docs/ARCHITECTURE.md#the-generator).

const decoder = new TextDecoder();
const JSON_OPEN = [0x22];
const JSON_CLOSE = [0x22, 0x2c];

function written(first: bigint, count: number, format: IdFormat, open: number[], close: number[]) {
  const out = new Uint8Array(count * (open.length + MAX_ID_WIDTH[format] + close.length) + 4);
  const end = writeConsecutive(out, 2, first, count, format, open, close);
  return { text: decoder.decode(out.subarray(2, end)), end, out };
}

function expected(first: bigint, count: number, format: IdFormat, open: string, close: string) {
  let text = "";
  for (let i = 0n; i < BigInt(count); i++) text += open + formatId(first + i, format) + close;
  return text;
}

/** Values just below a digit-count boundary (10^k - small), where a run carries into a new digit. */
const nearPowerOfTen = fc
  .tuple(fc.integer({ min: 1, max: 18 }), fc.integer({ min: 0, max: 300 }))
  .map(([k, below]) => {
    const value = 10n ** BigInt(k) - BigInt(below);
    return value < 0n ? 0n : value;
  });
/** Values just below a carry through the low hex and base62 digits. */
const nearCarry = fc
  .tuple(fc.constantFrom(16n, 62n, 10n), fc.integer({ min: 1, max: 10 }), fc.bigInt(0n, 300n))
  .map(([radix, k, below]) => {
    const value = radix ** BigInt(k) * 7n - below;
    return value < 0n ? 0n : value;
  });
const anyFirst = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_ID - 5000n }),
  nearPowerOfTen,
  nearCarry,
  fc.bigInt({ min: 0n, max: 2000n }),
);

describe("writeConsecutive", () => {
  it("equals formatId for every ID of a run, every format, both framings", () => {
    fc.assert(
      fc.property(
        anyFirst,
        fc.integer({ min: 1, max: 1200 }),
        fc.constantFrom(...ID_FORMATS),
        fc.boolean(),
        (first, count, format, json) => {
          const [open, close] = json ? [JSON_OPEN, JSON_CLOSE] : [[], [0x0a]];
          const { text } = written(first, count, format, open, close);
          expect(text).toBe(expected(first, count, format, json ? '"' : "", json ? '",' : "\n"));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("edges: 0, 9 -> 10, 999 -> 1000, the last IDs below 2^63, hex and base62 wraps", () => {
    const cases: [bigint, number, IdFormat][] = [
      [0n, 25, "decimal"],
      [7n, 5, "decimal"],
      [995n, 10, "decimal"],
      [10n ** 18n - 10n, 20, "decimal"], // 18 digits -> 19
      [MAX_ID - 20n, 21, "decimal"],
      [MAX_ID - 20n, 21, "hex"],
      [MAX_ID - 20n, 21, "base62"],
      [0xfffn - 3n, 8, "hex"],
      [62n ** 3n - 3n, 8, "base62"],
      [60n, 4, "base62"], // '...y', '...z', then a carry
    ];
    for (const [first, count, format] of cases) {
      expect(written(first, count, format, [], [0x0a]).text).toBe(
        expected(first, count, format, "", "\n"),
      );
    }
  });

  it("a tick's full run in every preset and some custom layouts, at the first and last tick, ending where it says", () => {
    for (const name of [...Object.keys(PRESETS), "custom:51/10/2/1", "custom:31/10/22/1"]) {
      const layout = createLayout(name, DEFAULT_EPOCH_MS, DEFAULT_EPOCH_MS);
      const perTick = layout.maxSequence + 1;
      const count = Math.min(perTick, 5000);
      for (const tick of [0, 1, layout.maxTick]) {
        const ms = layout.epochMs + tick * layout.unitMs;
        for (const worker of [0, layout.maxWorkerId]) {
          const first = composeId(layout, ms, worker, perTick - count);
          for (const format of ID_FORMATS) {
            const { text, end } = written(first, count, format, JSON_OPEN, JSON_CLOSE);
            expect(text).toBe(expected(first, count, format, '"', '",'));
            expect(end - 2).toBe(new TextEncoder().encode(text).length);
          }
        }
      }
    }
  });

  it("writes nothing for an empty run and leaves bytes outside its range untouched", () => {
    const out = new Uint8Array(64).fill(0xff);
    expect(writeConsecutive(out, 5, 123n, 0, "decimal", [], [])).toBe(5);
    expect(out.every((b) => b === 0xff)).toBe(true);
    const end = writeConsecutive(out, 5, 98n, 3, "decimal", [], [0x2c]);
    expect(decoder.decode(out.subarray(5, end))).toBe("98,99,100,");
    expect(out[4]).toBe(0xff);
    expect(out[end]).toBe(0xff);
  });
});
