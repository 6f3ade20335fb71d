// Lambda reads its tokens from SSM Parameter Store at init. The AWS SDK's real SSM client talks to
// a local fake of the SSM JSON API (the only fake: at the SDK's HTTP edge).
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { createLambdaHandler } from "../../src/targets/lambda.ts";
import { resolveSecrets, ssmParameterReader } from "../../src/targets/lambda-secrets.ts";
import { lambdaFetch } from "./events.ts";
import { fakeSsm } from "./fake-ssm.ts";

const AUTH = "ssm-auth-token-0123456789abcdef";
const METRICS = "ssm-metrics-token-0123456789abcdef";

describe("Lambda secrets from SSM Parameter Store", () => {
  const parameters = new Map<string, string>();
  const ssm = fakeSsm(parameters);
  let endpoint = "";
  const reader = () =>
    ssmParameterReader({
      endpoint,
      region: "eu-west-1",
      credentials: { accessKeyId: "fake", secretAccessKey: "fake" },
    });
  const env = {
    WORKER_ID: "3",
    AUTH_TOKEN_PARAMETER: "/edgeflake/test/auth-token",
    METRICS_TOKEN_PARAMETER: "/edgeflake/test/metrics-token",
  };

  beforeAll(async () => {
    await new Promise<void>((resolve) => ssm.server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(ssm.server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => ssm.server.close(() => resolve())));

  it("fails closed (503, Retry-After) while a parameter cannot be read, then reads it once", async () => {
    parameters.clear();
    ssm.calls.length = 0;
    const fetch = lambdaFetch(createLambdaHandler(env, { readParameter: reader() }), "v2");
    const refused = await fetch("/generate");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({
      type: "urn:edgeflake:problem:secrets-unavailable",
    });

    parameters.set(env.AUTH_TOKEN_PARAMETER, AUTH);
    parameters.set(env.METRICS_TOKEN_PARAMETER, METRICS);
    ssm.calls.length = 0;
    expect((await fetch("/generate")).status).toBe(401);
    const ok = await fetch("/generate", { headers: { Authorization: `Bearer ${AUTH}` } });
    expect(ok.status).toBe(200);
    expect((await fetch("/metrics")).status).toBe(401);
    const metrics = await fetch("/metrics", { headers: { Authorization: `Bearer ${METRICS}` } });
    expect(metrics.status).toBe(200);
    // Read at init only, decrypted, signed with the function's credentials.
    expect(ssm.calls.map((c) => c.body.Name).sort()).toEqual([
      env.AUTH_TOKEN_PARAMETER,
      env.METRICS_TOKEN_PARAMETER,
    ]);
    for (const call of ssm.calls) {
      expect(call.target).toBe("AmazonSSM.GetParameter");
      expect(call.body.WithDecryption).toBe(true);
      expect(call.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=fake\//);
    }
  });

  it("a secret set both directly and by parameter is a configuration error (value not shown)", async () => {
    const handler = createLambdaHandler({ ...env, AUTH_TOKEN: AUTH }, { readParameter: reader() });
    const response = await lambdaFetch(handler, "v2")("/generate");
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).toContain("AUTH_TOKEN, AUTH_TOKEN_PARAMETER");
    expect(body).not.toContain(AUTH);
    await expect(
      resolveSecrets({ AUTH_TOKEN_PARAMETER: "no-slash" }, async () => "x"),
    ).rejects.toThrow(ConfigError);
  });

  it("the push authorization comes from its parameter too", async () => {
    const resolved = await resolveSecrets(
      { METRICS_PUSH_AUTHORIZATION_PARAMETER: "/edgeflake/test/push" },
      async (name) => (name === "/edgeflake/test/push" ? "Bearer push-secret" : ""),
    );
    expect(resolved).toEqual({ METRICS_PUSH_AUTHORIZATION: "Bearer push-secret" });
  });

  it("other targets refuse *_PARAMETER variables: only Lambda reads SSM (no silently open API)", () => {
    expect(() =>
      parseConfig({ AUTH_TOKEN_PARAMETER: "/edgeflake/prod/auth-token" }, Date.now()),
    ).toThrow(
      /AUTH_TOKEN_PARAMETER="\/edgeflake\/prod\/auth-token": only the Lambda target reads SSM/,
    );
  });
});
