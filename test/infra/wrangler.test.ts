// wrangler.toml, read by wrangler itself: Workers Logs on, no public workers.dev or preview URL,
// and no secret in [vars] (secrets go through `wrangler secret put`).

import { describe, expect, it } from "vitest";
import { experimental_readRawConfig } from "wrangler";
import { SECRET_PARAMETERS } from "../../src/config-variables.ts";

const SECRETS = [
  "AWS_SECRET_ACCESS_KEY",
  "AWS_ACCESS_KEY_ID",
  ...SECRET_PARAMETERS.map(([s]) => s),
];

describe("wrangler.toml", () => {
  const { rawConfig } = experimental_readRawConfig({ config: "wrangler.toml" });
  const config = rawConfig as {
    workers_dev?: boolean;
    preview_urls?: boolean;
    observability?: { enabled?: boolean; head_sampling_rate?: number };
    vars?: Record<string, unknown>;
    env?: Record<string, { vars?: Record<string, unknown> }>;
  };

  it("enables Workers Logs (observability) for every invocation", () => {
    expect(config.observability).toEqual({ enabled: true, head_sampling_rate: 1 });
  });

  it("serves no workers.dev or preview URL: only the routes an operator adds", () => {
    expect(config.workers_dev).toBe(false);
    expect(config.preview_urls).toBe(false);
  });

  it("holds no secret in [vars]; the local environment's AWS keys are dynalite's placeholders", () => {
    for (const name of SECRETS) expect(config.vars ?? {}).not.toHaveProperty(name);
    for (const [, parameter] of SECRET_PARAMETERS)
      expect(config.vars).not.toHaveProperty(parameter);
    const local = config.env?.local?.vars ?? {};
    expect(local.DYNAMODB_ENDPOINT).toMatch(/^http:\/\/127\.0\.0\.1:/);
    expect([local.AWS_ACCESS_KEY_ID, local.AWS_SECRET_ACCESS_KEY]).toEqual(["local", "local"]);
    for (const name of SECRETS.slice(2)) expect(local).not.toHaveProperty(name);
  });
});
