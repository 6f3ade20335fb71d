// What issue 16 asks of /openapi.json, checked on the served document (the linters check its form:
// `npm run lint:openapi`): every operation named and described, the security schemes declared, and
// the answers that matter documented with their headers.
import { describe, expect, it } from "vitest";
import { inProcessTarget } from "../support/in-process.ts";

interface Operation {
  operationId?: string;
  parameters?: { name: string }[];
  tags?: string[];
  description?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
}
interface Document {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation | unknown[]>>;
  components: {
    securitySchemes: Record<string, { type: string; scheme: string }>;
    responses: Record<string, { headers: Record<string, unknown> }>;
  };
}

const METHODS = new Set(["get", "head", "options"]);

async function served(env: Record<string, string> = {}): Promise<Document> {
  const target = await inProcessTarget(env);
  return (await (await target.fetch("/openapi.json")).json()) as Document;
}

function operations(doc: Document): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => [path, method, op as Operation] as [string, string, Operation]),
  );
}

describe("/openapi.json", () => {
  it("names, tags and describes every operation, with unique operationIds", async () => {
    const doc = await served();
    const ops = operations(doc);
    expect(ops.length).toBeGreaterThanOrEqual(10);
    for (const [path, method, op] of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.tags?.length, `${method} ${path}`).toBe(1);
      expect(op.description, `${method} ${path}`).toBeTruthy();
      expect(op.security, `${method} ${path}`).toBeDefined();
      expect(op.responses["414"], `${method} ${path}`).toEqual({
        $ref: "#/components/responses/UriTooLong",
      });
    }
    const ids = ops.map(([, , op]) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.servers).toEqual([{ url: "/", description: expect.any(String) }]);
  });

  it("declares the bearer schemes the protected routes use, and documents 401, 404, 405 and 503", async () => {
    const doc = await served();
    expect(doc.components.securitySchemes).toMatchObject({
      authToken: { type: "http", scheme: "bearer" },
      metricsToken: { type: "http", scheme: "bearer" },
    });
    const op = (path: string, method = "get") => doc.paths[path]?.[method] as Operation;
    expect(op("/generate").security).toEqual([{ authToken: [] }, {}]);
    expect(op("/metrics").security).toEqual([{ metricsToken: [] }, {}]);
    expect(op("/layout").security).toEqual([]);
    for (const [path, method] of [
      ["/generate", "get"],
      ["/generate", "head"],
      ["/decode/{id}", "get"],
      ["/metrics", "get"],
    ]) {
      expect(op(path as string, method).responses["401"]).toEqual({
        $ref: "#/components/responses/Unauthorized",
      });
    }
    expect(op("/generate").responses["503"]).toEqual({
      $ref: "#/components/responses/Unavailable",
    });
    expect(op("/decode/{id}").responses["404"]).toEqual({
      $ref: "#/components/responses/NotFound",
    });
    expect(op("/generate", "options").responses["405"]).toBeDefined();
    const { responses } = doc.components;
    expect(Object.keys(responses.Unauthorized?.headers ?? {})).toContain("WWW-Authenticate");
    expect(Object.keys(responses.Unavailable?.headers ?? {})).toContain("Retry-After");
    expect(Object.keys(responses.OtherProblem?.headers ?? {})).toContain("Allow");
    for (const response of Object.values(responses)) {
      expect(Object.keys(response.headers)).toContain("X-Request-Id");
    }
  });

  it("types count as an integer bounded by MAX_BATCH", async () => {
    const doc = await served({ MAX_BATCH: "250" });
    const generate = doc.paths["/generate"]?.get as Operation | undefined;
    const parameters = generate?.parameters ?? [];
    expect(parameters.find((p) => p.name === "count")).toMatchObject({
      in: "query",
      schema: { type: "integer", minimum: 1, maximum: 250, default: 1 },
    });
  });
});
