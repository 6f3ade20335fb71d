import { InvalidIdError } from "./errors.ts";

/**
 * How an ID is written as text. Hex (16 digits) and base62 (11 characters, `0-9A-Za-z`) are fixed
 * width, so string order is numeric order.
 *
 * @example
 * ```ts
 * const format: IdFormat = "base62";
 * ```
 */
export type IdFormat = "decimal" | "hex" | "base62";

/**
 * Every `IdFormat`, for validating input.
 *
 * @example
 * ```ts
 * ID_FORMATS.includes(userInput as IdFormat);
 * ```
 */
export const ID_FORMATS: readonly IdFormat[] = ["decimal", "hex", "base62"];

/**
 * The largest ID: 63 bits, the sign bit stays 0.
 *
 * @example
 * ```ts
 * MAX_ID === 2n ** 63n - 1n; // true
 * ```
 */
export const MAX_ID = (1n << 63n) - 1n;

// ASCII order (digits < upper < lower), so fixed-width base62 strings sort like the numbers.
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE62_WIDTH = 11; // 62^11 > 2^63 > 62^10
const HEX_WIDTH = 16;
const LOW_DIGITS = 6;
const LOW_SPLIT = 62n ** BigInt(LOW_DIGITS);

const PATTERNS: Record<IdFormat, RegExp> = {
  decimal: /^[0-9]{1,19}$/,
  hex: /^[0-9a-fA-F]{1,16}$/,
  base62: /^[0-9A-Za-z]{1,11}$/,
};

/**
 * Writes an ID in `format`.
 *
 * @example
 * ```ts
 * formatId(4194308096n, "hex");    // "00000000fa001000"
 * formatId(4194308096n, "base62"); // "000004Zqt8a"
 * ```
 */
export function formatId(id: bigint, format: IdFormat): string {
  switch (format) {
    case "decimal":
      return id.toString();
    case "hex":
      return id.toString(16).padStart(HEX_WIDTH, "0");
    case "base62":
      return toBase62(id);
  }
}

function toBase62(id: bigint): string {
  // Two Number halves instead of eleven BigInt divisions.
  const high = Number(id / LOW_SPLIT);
  const low = Number(id % LOW_SPLIT);
  return digits62(high, BASE62_WIDTH - LOW_DIGITS) + digits62(low, LOW_DIGITS);
}

function digits62(value: number, width: number): string {
  let out = "";
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = BASE62.charAt(rest % 62) + out;
    rest = Math.floor(rest / 62);
  }
  return out;
}

/**
 * Reads an ID written in `format`; throws `InvalidIdError` on anything that is not one (bad
 * characters, too long, beyond 63 bits).
 *
 * @example
 * ```ts
 * parseId("000004Zqt8a", "base62"); // 4194308096n
 * parseId("12ab", "decimal");       // throws InvalidIdError
 * ```
 */
export function parseId(text: string, format: IdFormat): bigint {
  const pattern = PATTERNS[format];
  if (!pattern) throw new InvalidIdError(`unknown format "${String(format)}"`);
  if (text.length === 0) throw new InvalidIdError("ID is empty");
  if (!pattern.test(text)) {
    throw new InvalidIdError(`"${preview(text)}" is not a ${format} ID`);
  }
  const value =
    format === "base62" ? fromBase62(text) : BigInt(format === "hex" ? `0x${text}` : text);
  if (value > MAX_ID) throw new InvalidIdError(`"${text}" is beyond the 63-bit range`);
  return value;
}

function fromBase62(text: string): bigint {
  let value = 0n;
  for (const char of text) value = value * 62n + BigInt(BASE62.indexOf(char));
  return value;
}

function preview(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
