import * as z from "zod/mini";
import { layoutPathItem } from "./layout-route.ts";
import { decodeQuerySchema, generateQuerySchema, idSchema } from "./schemas.ts";

type JsonSchema = Record<string, unknown>;

function queryParameters(schema: z.ZodMiniObject): JsonSchema[] {
  const json = z.toJSONSchema(schema) as { properties?: Record<string, JsonSchema> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: "query", required: false, description, schema: rest };
  });
}

const problem = {
  description: "RFC 9457 problem",
  content: {
    "application/problem+json": {
      schema: {
        type: "object",
        required: ["type", "title", "status", "detail"],
        properties: {
          type: { type: "string" },
          title: { type: "string" },
          status: { type: "integer" },
          detail: { type: "string" },
        },
      },
    },
  },
};

const issue = {
  type: "object",
  required: ["check", "detail"],
  properties: { check: { type: "string" }, detail: { type: "string" } },
};

/** What /readyz answers with `Accept: application/json` (text otherwise). */
const readiness = (status: "ok" | "unavailable") => ({
  "application/json": {
    schema: {
      type: "object",
      required: ["status", "workerId", "issues"],
      properties: {
        status: { const: status },
        workerId: { type: "integer", description: "-1 while none is held" },
        issues: { type: "array", items: issue },
      },
    },
  },
  "text/plain": { schema: { type: "string" } },
});

/** The probes' path items (probes.ts). */
const probePaths = {
  "/livez": {
    get: {
      summary: "Liveness: 200 whenever the process answers; never tied to the lease store",
      responses: {
        "200": {
          description: "the process works (text `OK: live`, or JSON with Accept)",
          content: {
            "application/json": {
              schema: {
                type: "object",
                required: ["status"],
                properties: { status: { const: "ok" } },
              },
            },
            "text/plain": { schema: { type: "string" } },
          },
        },
      },
    },
  },
  "/readyz": {
    get: {
      summary:
        "Readiness: 503 while a leasing instance holds no lease or it is about to lapse; static WORKER_ID always ready",
      responses: {
        "200": { description: "ready to issue IDs", content: readiness("ok") },
        "503": { description: "not ready, with the reasons", content: readiness("unavailable") },
      },
    },
  },
};

/** The OpenAPI 3.1 description of the routes, built from the same schemas that validate requests. */
export function openApiDocument(version: string, maxBatch: number): JsonSchema {
  const id = z.toJSONSchema(idSchema);
  const errors = { "400": problem, "401": problem, "503": problem };
  return {
    openapi: "3.1.0",
    info: { title: "edgeflake", version, description: "Unique, time-ordered 64-bit Snowflake IDs" },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths: {
      "/generate": {
        get: {
          summary: `One ID, or count IDs (at most ${maxBatch})`,
          security: [{ bearer: [] }, {}],
          parameters: queryParameters(generateQuerySchema),
          responses: {
            "200": {
              description: "IDs, strictly increasing",
              content: {
                "application/json": {
                  schema: {
                    oneOf: [
                      { type: "object", required: ["id"], properties: { id } },
                      {
                        type: "object",
                        required: ["ids"],
                        properties: { ids: { type: "array", items: id } },
                      },
                    ],
                  },
                },
                "text/plain": { schema: { type: "string", description: "one ID per line" } },
              },
            },
            ...errors,
          },
        },
      },
      "/decode/{id}": {
        get: {
          summary: "The fields of an ID",
          security: [{ bearer: [] }, {}],
          parameters: [
            { name: "id", in: "path", required: true, schema: id },
            ...queryParameters(decodeQuerySchema),
          ],
          responses: {
            "200": {
              description: "Decoded fields",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["id", "timestamp", "time", "workerId", "sequence"],
                    properties: {
                      id,
                      timestamp: { type: "integer", description: "ms since 1970" },
                      time: { type: "string", format: "date-time" },
                      workerId: { type: "integer" },
                      sequence: { type: "integer" },
                    },
                  },
                },
              },
            },
            ...errors,
          },
        },
      },
      "/health": {
        get: {
          summary:
            "OK: Generated N IDs, or 503 with the reasons (JSON with Accept: application/json)",
          responses: {
            "200": { description: "healthy" },
            "503": { description: "an issue was detected" },
          },
        },
      },
      ...probePaths,
      "/metrics": {
        get: {
          summary: "Prometheus text exposition",
          responses: { "200": { description: "metrics" }, "401": problem },
        },
      },
      "/layout": layoutPathItem,
    },
  };
}
