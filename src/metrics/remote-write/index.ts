export { createServicePusher, type ServicePushOptions } from "./for-service.ts";
export { encodeWriteRequest, type MetricMetadata, type TimeSeries } from "./protobuf.ts";
export {
  type FetchFunction,
  MetricsPusher,
  type MetricsPusherOptions,
  type PushReport,
  type PushResult,
} from "./pusher.ts";
export { snapshotRegistry } from "./series.ts";
export { snappyCompress } from "./snappy.ts";
