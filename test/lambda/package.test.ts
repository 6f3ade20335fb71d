// `npm run package:lambda` offline: esbuild bundle + osls package -> artifact and CloudFormation.
// The HTTP contract then runs against the bundled artifact itself, not the sources.
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type * as LambdaModule from "../../src/targets/lambda.ts";
import { httpContract } from "../http/contract.ts";
import { lambdaFetch } from "./events.ts";
import { fakeSsm } from "./fake-ssm.ts";

const root = new URL("../../", import.meta.url).pathname;
const run = promisify(execFile);

// The steps of `npm run package:lambda` (scripts/build-lambda.ts, then osls package in serverless/),
// in a scratch copy of serverless/ and infra/dynamodb/ so parallel test runs in one work tree
// cannot trip over each other's output.
const scratch = mkdtempSync(join(tmpdir(), "edgeflake-lambda-"));
const service = join(scratch, "serverless");
const out = join(service, ".serverless");
const bundle = join(service, "dist", "handler.mjs");
// Secrets in the packaging shell must not reach any artifact: only parameter names do.
const LEAKED = {
  AUTH_TOKEN: "packaging-shell-auth-token-0123456789",
  METRICS_TOKEN: "packaging-shell-metrics-token-0123456789",
  METRICS_PUSH_AUTHORIZATION: "Bearer packaging-shell-push-0123456789",
};
const AUTH_TOKEN_PARAMETER = "/edgeflake/ci/auth-token";

async function packageLambda(): Promise<void> {
  const script = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts[
    "package:lambda"
  ] as string;
  expect(script).toMatch(/^node scripts\/build-lambda\.ts && cd serverless && osls package /);
  mkdirSync(join(scratch, "infra", "dynamodb"), { recursive: true });
  mkdirSync(service);
  cpSync(join(root, "serverless", "serverless.yml"), join(service, "serverless.yml"));
  const tableFile = join("infra", "dynamodb", "lease-table.yml");
  cpSync(join(root, tableFile), join(scratch, tableFile));
  await run(process.execPath, [join(root, "scripts", "build-lambda.ts"), bundle], { cwd: root });
  await run("osls", ["package", "--stage", "ci"], {
    cwd: service,
    env: {
      ...process.env,
      ...LEAKED,
      AUTH_TOKEN_PARAMETER,
      SLS_TELEMETRY_DISABLED: "1",
      SLS_NOTIFICATIONS_MODE: "off",
    },
    timeout: 120_000,
  });
}

const packaged = packageLambda();
const artifact = packaged.then(
  () => import(pathToFileURL(bundle).href) as Promise<typeof LambdaModule>,
);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The parts of CloudFormation resources the tests read. */
interface Properties {
  Environment?: { Variables: Record<string, unknown> };
  PolicyDocument?: { Statement: { Effect: string; Action: string; Resource: unknown[] }[] };
}

/** File names from a zip's central directory (signature PK\x01\x02, name length at 28, name at 46). */
function zipEntries(zip: Buffer): string[] {
  const names: string[] = [];
  for (let at = zip.indexOf("PK\u0001\u0002", 0, "latin1"); at >= 0; ) {
    const length = zip.readUInt16LE(at + 28);
    names.push(zip.subarray(at + 46, at + 46 + length).toString("utf8"));
    at = zip.indexOf("PK\u0001\u0002", at + 46 + length, "latin1");
  }
  return names;
}

describe("npm run package:lambda's steps (osls, offline)", () => {
  it("produces the zip with the bundled handler and nothing else", async () => {
    await packaged;
    const zip = readFileSync(join(out, "edgeflake.zip"));
    expect(zip.subarray(0, 4).toString("latin1")).toBe("PK\u0003\u0004");
    expect(zipEntries(zip)).toEqual(["dist/handler.mjs"]);
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
  });

  it("produces CloudFormation: function, HTTP API routes, lease table, least-privilege IAM", async () => {
    await packaged;
    const template = JSON.parse(
      readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8"),
    ) as {
      Parameters?: Record<string, { Default?: string }>;
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const byType = (type: string) =>
      Object.values(template.Resources).filter((resource) => resource.Type === type);

    const [fn] = byType("AWS::Lambda::Function");
    expect(fn?.Properties).toMatchObject({
      Handler: "dist/handler.handler",
      Runtime: expect.stringMatching(/^nodejs(2[4-9]|[3-9]\d)\.x$/),
      FunctionName: "edgeflake-ci-api",
      Environment: { Variables: { LEASE_TABLE: { Ref: "LeaseTable" }, LEASE_TTL_MS: "60000" } },
    });
    // Every execution environment holds a worker ID: capped at LAMBDA_RESERVED_CONCURRENCY, 700.
    expect(Number(fn?.Properties.ReservedConcurrentExecutions)).toBe(700);
    const routes = byType("AWS::ApiGatewayV2::Route").map((route) => route.Properties.RouteKey);
    expect(routes.sort()).toEqual(
      ["/decode/{id}", "/generate", "/health", "/layout", "/metrics", "/openapi.json"].map(
        (p) => `ANY ${p}`,
      ),
    );

    // infra/dynamodb/lease-table.yml's definition, its TableName parameter defaulting per stage.
    const table = template.Resources.LeaseTable as unknown as Record<string, unknown>;
    expect(template.Parameters?.TableName?.Default).toBe("edgeflake-ci-leases");
    expect(table).toMatchObject({
      Type: "AWS::DynamoDB::Table",
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: {
        TableName: { Ref: "TableName" },
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: "pk", KeyType: "HASH" },
          { AttributeName: "sk", KeyType: "RANGE" },
        ],
      },
    });

    const [role] = byType("AWS::IAM::Role");
    const statements = (
      (role?.Properties.Policies ?? []) as {
        PolicyDocument: { Statement: Record<string, unknown>[] };
      }[]
    ).flatMap((policy) => policy.PolicyDocument.Statement);
    const dynamo = statements.filter((s) => JSON.stringify(s.Action).includes("dynamodb:"));
    expect(dynamo).toEqual([
      {
        Effect: "Allow",
        Action: [
          "dynamodb:DescribeTable",
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:UpdateItem",
        ],
        Resource: [{ "Fn::GetAtt": ["LeaseTable", "Arn"] }],
      },
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/"\*"|dynamodb:\*/);
  });

  it("keeps secrets out: parameter names in the template, ssm:GetParameter on those only", async () => {
    await packaged;
    for (const name of readdirSync(out, { recursive: true, encoding: "utf8" })) {
      const path = join(out, name);
      if (!statSync(path).isFile()) continue;
      const text = readFileSync(path, "latin1");
      for (const value of Object.values(LEAKED)) expect(text, name).not.toContain(value);
    }
    const template = JSON.parse(
      readFileSync(join(out, "cloudformation-template-update-stack.json"), "utf8"),
    ) as {
      Parameters: Record<string, { Default?: string }>;
      Conditions: Record<string, unknown>;
      Resources: Record<string, { Type: string; Condition?: string; Properties: Properties }>;
    };
    const fn = Object.values(template.Resources).find((r) => r.Type === "AWS::Lambda::Function");
    const variables = fn?.Properties.Environment?.Variables ?? {};
    expect(Object.keys(variables)).not.toEqual(expect.arrayContaining(["AUTH_TOKEN"]));
    for (const name of Object.keys(LEAKED)) expect(variables).not.toHaveProperty(name);
    expect(variables).toMatchObject({
      AUTH_TOKEN_PARAMETER: { Ref: "AuthTokenParameter" },
      METRICS_TOKEN_PARAMETER: { Ref: "MetricsTokenParameter" },
      METRICS_PUSH_AUTHORIZATION_PARAMETER: { Ref: "MetricsPushAuthorizationParameter" },
    });
    expect(template.Parameters.AuthTokenParameter?.Default).toBe(AUTH_TOKEN_PARAMETER);
    expect(template.Parameters.MetricsTokenParameter?.Default).toBe("");

    const policy = template.Resources.SecretParametersPolicy;
    expect(policy).toMatchObject({
      Type: "AWS::IAM::Policy",
      Condition: "HasSecretParameters",
      Properties: { Roles: [{ Ref: "IamRoleLambdaExecution" }] },
    });
    expect(template.Resources.IamRoleLambdaExecution?.Type).toBe("AWS::IAM::Role");
    const [statement, ...others] = policy?.Properties.PolicyDocument?.Statement ?? [];
    expect(others).toEqual([]);
    expect(statement).toMatchObject({ Effect: "Allow", Action: "ssm:GetParameter" });
    const arns = JSON.stringify(statement?.Resource);
    expect(arns).not.toContain("*");
    for (const [condition, parameter] of [
      ["HasAuthTokenParameter", "AuthTokenParameter"],
      ["HasMetricsTokenParameter", "MetricsTokenParameter"],
      ["HasMetricsPushAuthorizationParameter", "MetricsPushAuthorizationParameter"],
    ]) {
      expect(template.Conditions[condition as string]).toEqual({
        "Fn::Not": [{ "Fn::Equals": [{ Ref: parameter }, ""] }],
      });
      expect(statement?.Resource).toContainEqual({
        "Fn::If": [
          condition,
          {
            "Fn::Join": [
              "",
              [
                "arn:",
                { Ref: "AWS::Partition" },
                ":ssm:",
                { Ref: "AWS::Region" },
                ":",
                { Ref: "AWS::AccountId" },
                ":parameter",
                { Ref: parameter },
              ],
            ],
          },
          { Ref: "AWS::NoValue" },
        ],
      });
    }
  });
});

describe("the bundled handler's secrets", () => {
  it("reads AUTH_TOKEN_PARAMETER through the bundled SSM client (the function's default reader)", async () => {
    const { createLambdaHandler } = await artifact;
    const token = "bundled-ssm-token-0123456789abcdef";
    const ssm = fakeSsm(new Map([[AUTH_TOKEN_PARAMETER, token]]));
    await new Promise<void>((resolve) => ssm.server.listen(0, "127.0.0.1", resolve));
    const { port } = ssm.server.address() as { port: number };
    // The SDK's own endpoint and credential variables, as the Lambda runtime would set credentials.
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: "fake",
      AWS_SECRET_ACCESS_KEY: "fake",
    });
    try {
      const env = { WORKER_ID: "4", AWS_REGION: "eu-west-1", AUTH_TOKEN_PARAMETER };
      const fetch = lambdaFetch(createLambdaHandler(env), "v2");
      expect((await fetch("/generate")).status).toBe(401);
      const ok = await fetch("/generate", { headers: { Authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(ssm.calls.map((c) => [c.target, c.body])).toEqual([
        ["AmazonSSM.GetParameter", { Name: AUTH_TOKEN_PARAMETER, WithDecryption: true }],
      ]);
    } finally {
      for (const name of ["AWS_ENDPOINT_URL_SSM", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      await new Promise<void>((resolve) => ssm.server.close(() => resolve()));
    }
  });
});

httpContract("Lambda artifact (serverless/dist/handler.mjs), HTTP API v2 events", async (env) => {
  const { createLambdaHandler } = await artifact;
  return { fetch: lambdaFetch(createLambdaHandler(env), "v2") };
});
