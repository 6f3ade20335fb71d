/**
 * `edgeflake`: the pure core. Layouts, the Snowflake generator, decoding, text encodings and typed
 * errors; no I/O and no runtime APIs (time comes from an injected `Clock`), so it runs on Node,
 * Deno, Bun, Cloudflare Workers and in browsers.
 *
 * @example
 * ```ts
 * import { createLayout, DEFAULT_EPOCH_MS, SnowflakeGenerator, decodeId } from "edgeflake";
 *
 * const layout = createLayout("classic", DEFAULT_EPOCH_MS, Date.now());
 * const clock = {
 *   now: () => Date.now(),
 *   monotonic: () => performance.now(),
 *   sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
 * };
 * const generator = new SnowflakeGenerator({ layout, clock, workerId: 7 });
 * const id = generator.next();        // bigint, strictly increasing
 * decodeId(id, layout).workerId;      // 7
 * ```
 * @packageDocumentation
 */
export type { Clock } from "./clock.ts";
export { composeId, type DecodedId, type DecodeOptions, decodeId } from "./decode.ts";
export { formatId, ID_FORMATS, type IdFormat, MAX_ID, parseId } from "./encoding.ts";
export {
  ClockBackwardError,
  ClockStalledError,
  EdgeflakeError,
  InvalidCountError,
  InvalidIdError,
  InvalidWorkerIdError,
  LayoutError,
  LeaseExpiredError,
} from "./errors.ts";
export { MAX_ID_WIDTH, writeConsecutive } from "./format-batch.ts";
export {
  type Fence,
  type GeneratorOptions,
  type GeneratorStats,
  SnowflakeGenerator,
} from "./generator.ts";
export { type IdRun, idsOfRuns } from "./id-runs.ts";
export {
  createLayout,
  DEFAULT_EPOCH_MS,
  type Layout,
  type LayoutSpec,
  layoutName,
  PRESETS,
  parseLayoutName,
} from "./layout.ts";
