import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  composeId,
  createLayout,
  DEFAULT_EPOCH_MS,
  decodeId,
  InvalidIdError,
} from "../../src/core/index.ts";

const NOW = Date.UTC(2026, 10, 25);
const classic = createLayout("classic", DEFAULT_EPOCH_MS, NOW);

describe("decode", () => {
  it("known bit vectors", () => {
    // 1 s after the default epoch, worker 1, sequence 0: (1000 << 22) | (1 << 12)
    expect(composeId(classic, DEFAULT_EPOCH_MS + 1000, 1, 0)).toBe(4194308096n);
    expect(composeId(classic, DEFAULT_EPOCH_MS + 123456789, 1023, 4095)).toBe(517815308124159n);
    expect(decodeId(517815308124159n, classic)).toEqual({
      id: "517815308124159",
      timestamp: DEFAULT_EPOCH_MS + 123456789,
      time: "2025-01-02T10:17:36.789Z",
      workerId: 1023,
      sequence: 4095,
    });
  });

  it("decodes a real Twitter ID with Twitter's epoch", () => {
    const twitter = createLayout("classic", 1288834974657, NOW);
    expect(decodeId(1212092628029698048n, twitter)).toMatchObject({
      timestamp: 1577820376771,
      time: "2019-12-31T19:26:16.771Z",
      workerId: 327,
      sequence: 0,
    });
  });

  it("compose and decode are inverses in every preset", () => {
    for (const name of ["classic", "sonyflake", "custom:45/8/10/4"]) {
      const layout = createLayout(name, DEFAULT_EPOCH_MS, NOW);
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: Math.min(layout.maxTick, 2 ** 45) }),
          fc.integer({ min: 0, max: layout.maxWorkerId }),
          fc.integer({ min: 0, max: layout.maxSequence }),
          (tick, workerId, sequence) => {
            const timestamp = layout.epochMs + tick * layout.unitMs;
            const decoded = decodeId(composeId(layout, timestamp, workerId, sequence), layout);
            expect(decoded).toMatchObject({ timestamp, workerId, sequence });
          },
        ),
      );
    }
  });

  it("rejects IDs from the future (another layout or epoch) when asked to", () => {
    const sonyflake = createLayout("sonyflake", DEFAULT_EPOCH_MS, NOW);
    const classicId = composeId(classic, NOW, 5, 1);
    expect(() => decodeId(classicId, sonyflake, { notAfterMs: NOW + 3_600_000 })).toThrow(
      InvalidIdError,
    );
    expect(decodeId(classicId, classic, { notAfterMs: NOW }).timestamp).toBe(NOW);
    expect(() => decodeId(-1n, classic)).toThrow(InvalidIdError);
    expect(() => decodeId(1n << 63n, classic)).toThrow(InvalidIdError);
  });
});
