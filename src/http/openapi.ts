import * as z from "zod/mini";
import { layoutPathItem } from "./layout-route.ts";
import { components, type JsonSchema, preflight, ref } from "./openapi-components.ts";
import { probePaths } from "./openapi-probes.ts";
import { decodeQuerySchema, generateQuerySchema, idSchema } from "./schemas.ts";

// Query parameters come from the zod schemas that validate requests; `overrides` replaces the
// schema of a parameter whose wire form (a query string) is not its type (count is an integer).
function queryParameters(
  schema: z.ZodMiniObject,
  overrides: Record<string, JsonSchema> = {},
): JsonSchema[] {
  const json = z.toJSONSchema(schema) as { properties?: Record<string, JsonSchema> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: "query", required: false, description, schema: overrides[name] ?? rest };
  });
}

const requestId = ref("parameters", "RequestId");
const answerHeaders = { "X-Request-Id": ref("headers", "RequestId") };
const uriTooLong = {
  "414": ref("responses", "UriTooLong"),
  default: ref("responses", "OtherProblem"),
};

/** The OpenAPI 3.1 description of the routes, built from the same schemas that validate requests. */
export function openApiDocument(version: string, maxBatch: number): JsonSchema {
  const id = z.toJSONSchema(idSchema);
  const count = { type: "integer", minimum: 1, maximum: maxBatch, default: 1 };
  const generateParameters = [...queryParameters(generateQuerySchema, { count }), requestId];
  const tokenOrOpen = [{ authToken: [] }, {}];
  const ids = {
    type: "object",
    required: ["ids"],
    properties: { ids: { type: "array", items: id, minItems: 1, maxItems: maxBatch } },
  };
  const generateErrors = {
    "400": ref("responses", "BadRequest"),
    "401": ref("responses", "Unauthorized"),
    ...uriTooLong,
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "edgeflake",
      version,
      description:
        "Unique, time-ordered 64-bit Snowflake IDs. Errors are RFC 9457 problems (application/problem+json); every answer carries X-Request-Id and Cache-Control: no-store.",
      license: { name: "MIT", identifier: "MIT" },
      contact: { name: "edgeflake" },
    },
    // Relative: each deployment serves these paths at its own origin (the one serving this file).
    servers: [{ url: "/", description: "The origin this document was read from" }],
    tags: [
      { name: "ids", description: "Issue and decode IDs (AUTH_TOKEN when set)" },
      { name: "describe", description: "What the service is: its layout and this document (open)" },
      { name: "operate", description: "Health and metrics for operators" },
    ],
    components: components(),
    paths: {
      "/generate": {
        get: {
          operationId: "generate",
          tags: ["ids"],
          summary: `One ID, or count IDs (at most ${maxBatch})`,
          description:
            'Without count: {"id"}; with count (1..MAX_BATCH): {"ids"}, strictly increasing. Accept: text/plain gives one ID per line.',
          security: tokenOrOpen,
          parameters: generateParameters,
          responses: {
            "200": {
              description: "IDs, strictly increasing",
              headers: answerHeaders,
              content: {
                "application/json": {
                  schema: {
                    oneOf: [{ type: "object", required: ["id"], properties: { id } }, ids],
                  },
                },
                "text/plain": { schema: { type: "string", description: "one ID per line" } },
              },
            },
            ...generateErrors,
            "503": ref("responses", "Unavailable"),
          },
        },
        head: {
          operationId: "probeGenerate",
          tags: ["ids"],
          summary: "GET's status and headers; issues no ID",
          description:
            "Checks the token and the query like GET, but issues no ID and takes no lease: probes never use IDs up.",
          security: tokenOrOpen,
          parameters: generateParameters,
          responses: {
            "200": { description: "GET would answer", headers: answerHeaders },
            ...generateErrors,
          },
        },
        options: preflight("preflightGenerate", "ids", "/generate"),
      },
      "/decode/{id}": {
        parameters: [
          { name: "id", in: "path", required: true, description: "The ID to decode", schema: id },
        ],
        get: {
          operationId: "decode",
          tags: ["ids"],
          summary: "The fields of an ID",
          description:
            "Decodes under the service's layout and epoch; an ID whose time lies over an hour ahead (another layout or epoch) is a 400.",
          security: tokenOrOpen,
          parameters: [...queryParameters(decodeQuerySchema), requestId],
          responses: {
            "200": {
              description: "Decoded fields",
              headers: answerHeaders,
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["id", "timestamp", "time", "workerId", "sequence"],
                    properties: {
                      id,
                      timestamp: { type: "integer", description: "ms since 1970" },
                      time: { type: "string", format: "date-time" },
                      workerId: { type: "integer", minimum: 0 },
                      sequence: { type: "integer", minimum: 0 },
                    },
                  },
                },
              },
            },
            ...generateErrors,
            "404": ref("responses", "NotFound"),
          },
        },
        options: preflight("preflightDecode", "ids", "/decode/{id}"),
      },
      "/health": {
        get: {
          operationId: "health",
          tags: ["operate"],
          summary: "OK: Generated N IDs, or 503 with the reasons",
          description:
            "Open. Accept: application/json gives a JSON body. A bearer AUTH_TOKEN or METRICS_TOKEN adds each issue's internal cause.",
          security: [{}, { authToken: [] }, { metricsToken: [] }],
          parameters: [requestId],
          responses: {
            "200": healthResponse("Healthy: the service can issue IDs"),
            "503": healthResponse("An issue was detected (clock, generator, lease)"),
            ...uriTooLong,
          },
        },
      },
      ...probePaths(uriTooLong, requestId, answerHeaders),
      "/metrics": {
        get: {
          operationId: "metrics",
          tags: ["operate"],
          summary: "Prometheus text exposition",
          description: "The generator, lease and HTTP metrics (METRICS_TOKEN when set).",
          security: [{ metricsToken: [] }, {}],
          parameters: [requestId],
          responses: {
            "200": {
              description: "Metrics",
              headers: answerHeaders,
              content: { "text/plain": { schema: { type: "string" } } },
            },
            "401": ref("responses", "Unauthorized"),
            ...uriTooLong,
          },
        },
      },
      "/layout": layoutPathItem(uriTooLong, requestId, answerHeaders),
      "/openapi.json": {
        get: {
          operationId: "openapi",
          tags: ["describe"],
          summary: "This document (OpenAPI 3.1)",
          description: "Open; built from the schemas that validate requests.",
          security: [],
          parameters: [requestId],
          responses: {
            "200": {
              description: "The OpenAPI document",
              headers: answerHeaders,
              content: { "application/json": { schema: { type: "object" } } },
            },
            ...uriTooLong,
          },
        },
      },
    },
  };
}

const issue = {
  type: "object",
  required: ["check", "detail"],
  properties: {
    check: { type: "string", examples: ["lease"] },
    detail: { type: "string" },
    cause: { type: "string", description: "internals: only for a caller with a token" },
  },
};

function healthResponse(description: string): JsonSchema {
  return {
    description,
    headers: answerHeaders,
    content: {
      "text/plain": { schema: { type: "string", examples: ["OK: Generated 42 IDs"] } },
      "application/json": {
        schema: {
          type: "object",
          required: ["status", "generated", "workerId", "issues"],
          properties: {
            status: { type: "string", enum: ["ok", "unavailable"] },
            generated: { type: "integer", minimum: 0 },
            workerId: { type: "integer", minimum: -1, description: "-1 while none is held" },
            issues: { type: "array", items: issue },
          },
        },
      },
    },
  };
}
