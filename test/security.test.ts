// Security checks that span the project: constant-time bearer tokens, least-privilege IAM tied to
// the DynamoDB calls the service makes, and no high or critical advisory in production dependencies.
// Elsewhere: secrets in logs and problem bodies (test/e2e/fuzz.test.ts, test/e2e/node-server.test.ts),
// headers and limits (test/http/fuzz.test.ts), non-root and read-only root file system
// (test/infra/compose.test.ts, test/infra/k8s.test.ts).
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { parse, type Tags, type YAMLSeq } from "yaml";
import { auditVerdict } from "../scripts/audit.ts";
import { bearerMatches } from "../src/http/auth.ts";

const ROOT = new URL("../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

describe("bearer tokens", () => {
  const token = "s3cret-token-0123456789abcdef";

  it("match exactly `Bearer <token>`, nothing else (property)", async () => {
    const header = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ maxLength: 40 }).map((s) => `Bearer ${s}`),
      fc.constantFrom(
        `Bearer ${token}`,
        `bearer ${token}`,
        `BEARER ${token}`,
        `bEaReR ${token}`,
        `Bearer  ${token}`,
        `Bearer ${token} `,
        `Bearer ${token}\n`,
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${token}x`,
        `Basic ${token}`,
        token,
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.option(header, { nil: undefined }), async (value) => {
        // RFC 9110: the scheme name is case-insensitive; the token is not.
        const exact = value?.slice(0, 7).toLowerCase() === "bearer " && value.slice(7) === token;
        expect(await bearerMatches(value, token)).toBe(exact);
      }),
      { numRuns: 500 },
    );
  });

  it("are compared in constant time: both sides hashed on every call, whatever the input", async () => {
    const digest = vi.spyOn(crypto.subtle, "digest");
    try {
      for (const value of [
        undefined,
        "",
        "Basic x",
        "Bearer x",
        `Bearer ${token.slice(0, -1)}`,
        `Bearer ${"x".repeat(token.length)}`,
        `Bearer ${token}`,
        `Bearer ${"y".repeat(2000)}`,
      ]) {
        digest.mockClear();
        await bearerMatches(value, token);
        // Two SHA-256 digests of equal size, then a full XOR fold over them: the time taken does
        // not depend on where (or whether) the given token differs, nor on its length.
        expect(digest).toHaveBeenCalledTimes(2);
        for (const [algorithm] of digest.mock.calls) expect(algorithm).toBe("SHA-256");
      }
    } finally {
      digest.mockRestore();
    }
    const source = read("src/http/auth.ts");
    expect(source).toMatch(/diff \|= /);
    expect(source).not.toMatch(/given\s*===|===\s*expected|\.startsWith\(expected/);
  });
});

// CloudFormation's short-form intrinsics, read as their long forms.
const CFN_TAGS: Tags = [
  ...["Ref", "GetAtt", "Sub", "Condition"].map((name) => ({
    tag: `!${name}`,
    resolve: (value: string) => ({
      [name === "Ref" || name === "Condition" ? name : `Fn::${name}`]: value,
    }),
  })),
  // Short forms over a list (serverless.yml's secret-parameter policy and its conditions).
  ...["If", "Join", "Not", "Equals", "Or"].map((name) => ({
    tag: `!${name}`,
    collection: "seq" as const,
    resolve: (value: YAMLSeq) => ({ [`Fn::${name}`]: value.toJSON() }),
  })),
];

interface Statement {
  Effect: string;
  Action: string[] | string;
  Resource: unknown;
}

/** The DynamoDB operations the running service calls (table creation is an operator script). */
function dynamoDbActionsUsed(): string[] {
  const used = new Set<string>();
  for (const file of readdirSync(new URL("src/lease/", ROOT))) {
    if (!file.endsWith(".ts") || file === "dynamodb-table.ts") continue;
    for (const match of read(`src/lease/${file}`).matchAll(/new (\w+)Command\(/g)) {
      used.add(`dynamodb:${match[1]}`);
    }
  }
  return [...used].sort();
}

describe("IAM: only the lease table, only the actions used", () => {
  const used = dynamoDbActionsUsed();

  it("the service calls exactly DescribeTable, GetItem, Query and UpdateItem", () => {
    expect(used).toEqual([
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
  });

  it.each([
    [
      "infra/dynamodb/lease-table.yml",
      "Resources.LeaseTablePolicy.Properties.PolicyDocument.Statement",
    ],
    ["serverless/serverless.yml", "provider.iam.role.statements"],
  ])("%s grants those actions on the lease table's ARN alone, and nothing else", (file, path) => {
    const doc = parse(read(file), { customTags: CFN_TAGS });
    const statements = path
      .split(".")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
    expect(statements).toHaveLength(1);
    const [statement] = statements as [Statement];
    expect(statement.Effect).toBe("Allow");
    expect([statement.Action].flat().sort()).toEqual(used);
    expect([statement.Resource].flat()).toEqual([{ "Fn::GetAtt": "LeaseTable.Arn" }]);
    expect(JSON.stringify(doc)).not.toMatch(/"\*"|dynamodb:\*|"Resource":"arn:aws:dynamodb:\*/);
  });
});

describe("npm audit --omit=dev (npm run audit:prod)", () => {
  // The audit needs the registry's bulk advisory endpoint (a POST). The gate's verdicts are tested
  // here offline; the audit itself runs as `npm run audit:prod` (docs/RELIABILITY.md).
  it("passes only on a report without high or critical advisories", () => {
    const report = (vulnerabilities: Record<string, number>) =>
      JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities } });
    const clean = { info: 0, low: 1, moderate: 2, high: 0, critical: 0, total: 3 };
    expect(auditVerdict(report(clean))).toMatchObject({ ok: true });
    expect(auditVerdict(report({ ...clean, high: 1 }))).toMatchObject({ ok: false });
    expect(auditVerdict(report({ ...clean, critical: 1 }))).toMatchObject({ ok: false });
  });

  it("fails with the reason, never passes, when the audit endpoint errors or answers nonsense", () => {
    const refused = JSON.stringify({
      message:
        "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
      statusCode: 405,
      error: { summary: "", detail: "" },
    });
    expect(auditVerdict(refused)).toEqual({
      ok: false,
      message: expect.stringMatching(/could not run.*405 Method Not Allowed/),
    });
    expect(auditVerdict("")).toMatchObject({ ok: false });
    expect(auditVerdict("{}")).toMatchObject({ ok: false });
    expect(auditVerdict('{"error":{"code":"ENOTFOUND"}}')).toMatchObject({ ok: false });
  });
});
