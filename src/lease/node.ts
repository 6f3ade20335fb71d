// Node-only helpers for leasing (node:os, process.env); everything else in src/lease is runtime-free.
import { hostname } from "node:os";
import type { LeaseConfig } from "../config.ts";
import { createDynamoDbLeaser, type LeaserDeps } from "./index.ts";
import type { Leaser } from "./leaser.ts";
import type { HolderInfo } from "./store.ts";

/** Host and runtime written into the lease item, so operators can find the holder. */
export function nodeHolderInfo(): HolderInfo {
  return { host: `${hostname()}#${process.pid}`, runtime: `node/${process.versions.node}` };
}

/**
 * Placeholder credentials when `endpoint` (a local DynamoDB server, which accepts any) is set and
 * the environment names no AWS credentials; undefined means the SDK's standard chain.
 */
export function localCredentials(
  endpoint: string | undefined,
  env: Readonly<Record<string, unknown>> = process.env,
): { accessKeyId: string; secretAccessKey: string } | undefined {
  const hasCredentials =
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  return endpoint && !hasCredentials
    ? { accessKeyId: "local", secretAccessKey: "local" }
    : undefined;
}

/** The Node target's leaser: DynamoDB store, host and pid in the lease item. */
export function createNodeLeaser(
  config: LeaseConfig,
  deps: Omit<LeaserDeps, "info" | "credentials">,
): Leaser {
  const credentials = localCredentials(config.endpoint);
  return createDynamoDbLeaser(config, { ...deps, info: nodeHolderInfo(), credentials });
}
