// A client generator must get a typed client out of /openapi.json: openapi-typescript turns the
// served document into types, and tsc checks a small client written against them (its expected
// errors fail the compile if the types were too loose, e.g. \`any\`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS from "openapi-typescript";
import { afterAll, describe, expect, it } from "vitest";
import { inProcessTarget } from "../support/in-process.ts";

const CLIENT = `
import type { components, operations, paths } from "./schema.ts";

type Generate = operations["generate"];
type Query = NonNullable<Generate["parameters"]["query"]>;
type Ids = Generate["responses"][200]["content"]["application/json"];
type Problem = components["schemas"]["Problem"];
type Layout = paths["/layout"]["get"]["responses"][200]["content"]["application/json"];

export async function generate(base: string, query: Query, token?: string): Promise<string[]> {
  const url = new URL("/generate", base);
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
  const response = await fetch(url, { headers: token ? { Authorization: \`Bearer \${token}\` } : {} });
  if (!response.ok) {
    const problem = (await response.json()) as Problem;
    const retryAfter: Generate["responses"][503]["headers"]["Retry-After"] = 1;
    throw new Error(\`\${problem.type}: \${problem.detail} (retry after \${retryAfter} s)\`);
  }
  const body = (await response.json()) as Ids;
  return "ids" in body && body.ids ? body.ids : [body.id as string];
}

export const query: Query = { count: 5, format: "base62" };
export const layoutBatch = (layout: Layout): number => layout.maxBatch;
export const unauthorized: Generate["responses"][401]["headers"]["WWW-Authenticate"] = "Bearer";

// @ts-expect-error count is an integer, not the query string's text
export const textCount: Query = { count: "5" };
// @ts-expect-error format is one of decimal, hex, base62
export const badFormat: Query = { format: "octal" };
// @ts-expect-error a problem's status is a number
export const badProblem: Problem = { type: "t", title: "t", status: "400", detail: "d" };
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2023",
    lib: ["ES2023", "DOM"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    noUncheckedIndexedAccess: true,
    types: [],
  },
  include: ["*.ts"],
};

describe("openapi-typescript on /openapi.json", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-openapi-client-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("generates types that a typed client compiles against", async () => {
    const target = await inProcessTarget({ MAX_BATCH: "500" });
    const doc = (await (await target.fetch("/openapi.json")).json()) as Record<string, unknown>;
    const generate = (doc.paths as Record<string, { get: { parameters: unknown[] } }>)["/generate"];
    expect(generate?.get.parameters).toContainEqual(
      expect.objectContaining({
        name: "count",
        schema: { type: "integer", minimum: 1, maximum: 500, default: 1 },
      }),
    );
    const schema = await openapiTS(doc as unknown as Parameters<typeof openapiTS>[0]);
    expect(schema).toMatch(/count\?: number;/);
    expect(schema).toMatch(/format\?: "decimal" \| "hex" \| "base62";/);
    writeFileSync(join(dir, "schema.ts"), schema);
    writeFileSync(join(dir, "client.ts"), CLIENT);
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify(TSCONFIG));
    const tsc = spawnSync(join(process.cwd(), "node_modules", ".bin", "tsc"), ["-p", dir], {
      encoding: "utf8",
    });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });
});
