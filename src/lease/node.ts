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
 * The Node target's leaser. With `DYNAMODB_ENDPOINT` set and no AWS credentials in the
 * environment, uses placeholder credentials: local DynamoDB servers accept any.
 */
export function createNodeLeaser(
  config: LeaseConfig,
  deps: Omit<LeaserDeps, "info" | "credentials">,
): Leaser {
  const env = process.env;
  const hasCredentials =
    env.AWS_ACCESS_KEY_ID ||
    env.AWS_PROFILE ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE ||
    env.AWS_CONTAINER_CREDENTIALS_FULL_URI ||
    env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const credentials =
    config.endpoint && !hasCredentials
      ? { accessKeyId: "local", secretAccessKey: "local" }
      : undefined;
  return createDynamoDbLeaser(config, { ...deps, info: nodeHolderInfo(), credentials });
}
