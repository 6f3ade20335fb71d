import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatId, ID_FORMATS, InvalidIdError, MAX_ID, parseId } from "../../src/core/index.ts";

const anyId = fc.bigInt({ min: 0n, max: MAX_ID });

describe("encodings", () => {
  it("known values", () => {
    expect(formatId(0n, "decimal")).toBe("0");
    expect(formatId(0n, "hex")).toBe("0000000000000000");
    expect(formatId(0n, "base62")).toBe("00000000000");
    expect(formatId(MAX_ID, "decimal")).toBe("9223372036854775807");
    expect(formatId(MAX_ID, "hex")).toBe("7fffffffffffffff");
    expect(formatId(MAX_ID, "base62")).toBe("AzL8n0Y58m7");
    expect(formatId(61n, "base62")).toBe("0000000000z");
    expect(formatId(62n, "base62")).toBe("00000000010");
  });

  it("round-trips every 63-bit value in every format", () => {
    fc.assert(
      fc.property(anyId, fc.constantFrom(...ID_FORMATS), (id, format) => {
        expect(parseId(formatId(id, format), format)).toBe(id);
      }),
    );
  });

  it("hex and base62 sort like the numbers they encode", () => {
    fc.assert(
      fc.property(
        anyId,
        anyId,
        fc.constantFrom("hex" as const, "base62" as const),
        (a, b, format) => {
          const byString = formatId(a, format) < formatId(b, format);
          expect(byString).toBe(a < b);
        },
      ),
    );
  });

  it.each([
    ["", "decimal", /empty/],
    ["12a", "decimal", /not a decimal ID/],
    ["-1", "decimal", /not a decimal ID/],
    [" 1", "decimal", /not a decimal ID/],
    ["9223372036854775808", "decimal", /63-bit/],
    ["99999999999999999999", "decimal", /not a decimal ID/],
    ["8000000000000000", "hex", /63-bit/],
    ["0x10", "hex", /not a hex ID/],
    ["AzL8n0Y58m8", "base62", /63-bit/],
    ["zzzzzzzzzzz", "base62", /63-bit/],
    ["abc-", "base62", /not a base62 ID/],
    ["١٢٣", "decimal", /not a decimal ID/],
  ] as const)("rejects %j as %s", (text, format, message) => {
    expect(() => parseId(text, format)).toThrow(InvalidIdError);
    expect(() => parseId(text, format)).toThrow(message);
  });

  it("never accepts anything but the format's alphabet", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.constantFrom(...ID_FORMATS), (text, format) => {
        try {
          const id = parseId(text, format);
          expect(id).toBeGreaterThanOrEqual(0n);
          expect(id).toBeLessThanOrEqual(MAX_ID);
          expect(text).toMatch(/^[0-9A-Za-z]+$/);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidIdError);
        }
      }),
    );
  });
});
