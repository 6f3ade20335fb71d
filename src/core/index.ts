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
export {
  type Fence,
  type GeneratorOptions,
  type GeneratorStats,
  SnowflakeGenerator,
} from "./generator.ts";
export {
  createLayout,
  DEFAULT_EPOCH_MS,
  type Layout,
  type LayoutSpec,
  layoutName,
  PRESETS,
  parseLayoutName,
} from "./layout.ts";
