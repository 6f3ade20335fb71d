// The table definitions agree (script, CloudFormation), and `npm run table:create` is idempotent.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { leaseTableDefinition } from "../../src/lease/dynamodb-table.ts";
import { startTestStore, type TestDynamo } from "./support/test-store.ts";

const run = promisify(execFile);
const ROOT = new URL("../../", import.meta.url);

// CloudFormation's short-form intrinsics, read as their long forms.
const CFN_TAGS = ["Ref", "GetAtt", "Sub"].map((name) => ({
  tag: `!${name}`,
  resolve: (value: string) => ({ [name === "Ref" ? "Ref" : `Fn::${name}`]: value }),
}));

describe("lease table", () => {
  let db: TestDynamo;
  beforeAll(async () => {
    db = await startTestStore();
  });
  afterAll(async () => {
    await db.stop();
  });

  it("infra/dynamodb/lease-table.yml defines the table table:create creates, retained, without TTL", () => {
    const text = readFileSync(new URL("infra/dynamodb/lease-table.yml", ROOT), "utf8");
    const template = parse(text, { customTags: CFN_TAGS });
    const table = template.Resources.LeaseTable;
    const expected = leaseTableDefinition("x");
    expect(table.Type).toBe("AWS::DynamoDB::Table");
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.Properties.KeySchema).toEqual(expected.KeySchema);
    expect(table.Properties.AttributeDefinitions).toEqual(expected.AttributeDefinitions);
    expect(table.Properties.BillingMode).toBe(expected.BillingMode);
    expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
    const actions =
      template.Resources.LeaseTablePolicy.Properties.PolicyDocument.Statement[0].Action;
    expect([...actions].sort()).toEqual([
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
  });

  it("npm run table:create creates the table on demand and accepts an existing one", async () => {
    const env = {
      ...process.env,
      LEASE_TABLE: "edgeflake-leases",
      DYNAMODB_ENDPOINT: db.endpoint,
      AWS_REGION: "eu-west-1",
      AWS_ACCESS_KEY_ID: "",
      AWS_PROFILE: "",
    };
    const script = new URL("scripts/table-create.ts", ROOT).pathname;
    const first = await run(process.execPath, [script], { env });
    expect(first.stdout).toMatch(/created lease table "edgeflake-leases" \(on-demand\)/);
    const second = await run(process.execPath, [script], { env });
    expect(second.stdout).toMatch(/already exists/);
    const { Table } = await db
      .client()
      .send(new DescribeTableCommand({ TableName: "edgeflake-leases" }));
    expect(Table?.BillingModeSummary?.BillingMode).toBe("PAY_PER_REQUEST");
    expect(Table?.TableStatus).toBe("ACTIVE");
  });

  it("table:create without LEASE_TABLE says so and fails", async () => {
    const script = new URL("scripts/table-create.ts", ROOT).pathname;
    const env = { ...process.env, LEASE_TABLE: "" };
    const error = await run(process.execPath, [script], { env }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(/LEASE_TABLE is not set/);
  });
});
