// parseQuery: what a schema makes of no parameters is parsed once and reused, and never stands in
// for a request that gave some.
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { ProblemError } from "../../src/http/problem.ts";
import { parseQuery } from "../../src/http/query.ts";

describe("parseQuery", () => {
  const parses: unknown[] = [];
  const inner = z.object({ format: z.optional(z.enum(["decimal", "hex"])) });
  const schema = {
    safeParse: (input: unknown) => {
      parses.push(input);
      return inner.safeParse(input);
    },
  };
  const app = new Hono();
  app.get("/", (c) => c.json(parseQuery(c, schema, ["format"])));
  app.onError((error) =>
    error instanceof ProblemError
      ? new Response(error.problem.type, { status: error.problem.status })
      : new Response(null, { status: 500 }),
  );
  const ask = async (query: string) => (await app.request(`/${query}`)).json();

  it("parses no parameters once, and parameters on every request", async () => {
    expect(await ask("")).toEqual({});
    expect(await ask("?other=1")).toEqual({});
    expect(await ask("?format=hex")).toEqual({ format: "hex" });
    expect(await ask("")).toEqual({});
    expect(await ask("?format=decimal")).toEqual({ format: "decimal" });
    expect(parses).toEqual([{}, { format: "hex" }, { format: "decimal" }]);
  });

  it("still refuses a bad or repeated parameter", async () => {
    const bad = await app.request("/?format=octal");
    expect([bad.status, await bad.text()]).toEqual([400, "urn:edgeflake:problem:invalid-format"]);
    const repeated = await app.request("/?format=hex&format=hex");
    expect([repeated.status, await repeated.text()]).toEqual([
      400,
      "urn:edgeflake:problem:repeated-parameter",
    ]);
  });
});
