import { describe, expect, it } from "vitest";
import {
  createLayout,
  DEFAULT_EPOCH_MS,
  LayoutError,
  layoutName,
  parseLayoutName,
} from "../../src/core/index.ts";

const NOW = Date.UTC(2026, 10, 25);

describe("layouts", () => {
  it("classic is 41/10/12 with 1 ms ticks and lasts about 69 years", () => {
    const layout = createLayout("classic", DEFAULT_EPOCH_MS, NOW);
    expect(layout).toMatchObject({
      timestampBits: 41,
      workerBits: 10,
      sequenceBits: 12,
      unitMs: 1,
      maxWorkerId: 1023,
      maxSequence: 4095,
      name: "classic",
    });
    expect(new Date(layout.endOfLifeMs).toISOString()).toBe("2094-09-07T15:47:35.552Z");
  });

  it("sonyflake is 39 bits of 10 ms, 16 worker bits, 8 sequence bits", () => {
    const layout = createLayout("sonyflake", DEFAULT_EPOCH_MS, NOW);
    expect(layout).toMatchObject({ maxWorkerId: 65535, maxSequence: 255, unitMs: 10 });
    expect(new Date(layout.endOfLifeMs).getUTCFullYear()).toBe(2199);
  });

  it("parses custom layouts and names them back", () => {
    expect(parseLayoutName("custom:40/13/10/2")).toEqual({
      timestampBits: 40,
      workerBits: 13,
      sequenceBits: 10,
      unitMs: 2,
    });
    expect(layoutName({ timestampBits: 41, workerBits: 10, sequenceBits: 12, unitMs: 1 })).toBe(
      "classic",
    );
    expect(createLayout("custom:40/13/10/2", DEFAULT_EPOCH_MS, NOW).name).toBe("custom:40/13/10/2");
  });

  it.each([
    [
      "bits not summing to 63",
      { timestampBits: 41, workerBits: 10, sequenceBits: 13, unitMs: 1 },
      /sum to 63/,
    ],
    ["64 bits", { timestampBits: 42, workerBits: 10, sequenceBits: 12, unitMs: 1 }, /sum to 63/],
    [
      "zero worker bits",
      { timestampBits: 51, workerBits: 0, sequenceBits: 12, unitMs: 1 },
      /workerBits/,
    ],
    [
      "zero sequence bits",
      { timestampBits: 53, workerBits: 10, sequenceBits: 0, unitMs: 1 },
      /sequenceBits/,
    ],
    [
      "too few timestamp bits",
      { timestampBits: 20, workerBits: 20, sequenceBits: 23, unitMs: 1 },
      /timestampBits/,
    ],
    [
      "unit below 1 ms",
      { timestampBits: 41, workerBits: 10, sequenceBits: 12, unitMs: 0.5 },
      /unitMs/,
    ],
    [
      "fractional bits",
      { timestampBits: 41.5, workerBits: 9.5, sequenceBits: 12, unitMs: 1 },
      /integer/,
    ],
  ])("rejects %s", (_name, spec, message) => {
    expect(() => createLayout(spec, DEFAULT_EPOCH_MS, NOW)).toThrow(LayoutError);
    expect(() => createLayout(spec, DEFAULT_EPOCH_MS, NOW)).toThrow(message);
  });

  it("rejects an epoch in the future, a negative epoch and an unknown name", () => {
    expect(() => createLayout("classic", NOW + 1, NOW)).toThrow(/in the future/);
    expect(() => createLayout("classic", -1, NOW)).toThrow(/non-negative/);
    expect(() => createLayout("twitter", DEFAULT_EPOCH_MS, NOW)).toThrow(
      /unknown layout "twitter"/,
    );
    expect(() => createLayout("custom:41/10/12", DEFAULT_EPOCH_MS, NOW)).toThrow(LayoutError);
  });

  it("rejects a layout whose timestamps already ran out", () => {
    // 28 bits of 1 ms last about 3 days.
    expect(() => createLayout("custom:28/15/20/1", Date.UTC(2020, 0, 1), NOW)).toThrow(/ran out/);
    expect(createLayout("custom:28/15/20/1", NOW - 1000, NOW).endOfLifeMs).toBe(
      NOW - 1000 + 2 ** 28,
    );
  });
});
