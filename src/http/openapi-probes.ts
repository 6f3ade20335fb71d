// The OpenAPI path items of the probes (probes.ts): /livez and /readyz, open like /health.
type Json = Record<string, unknown>;

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
        workerId: { type: "integer", minimum: -1, description: "-1 while none is held" },
        issues: { type: "array", items: issue },
      },
    },
  },
  "text/plain": { schema: { type: "string", examples: ["OK: ready (worker 7)"] } },
});

/** /livez and /readyz, with the responses, parameter and headers every route shares. */
export function probePaths(shared: Json, requestId: Json, headers: Json): Json {
  return {
    "/livez": {
      get: {
        operationId: "livez",
        tags: ["operate"],
        summary: "Liveness: 200 whenever the process answers",
        description:
          "Never tied to the lease store, the lease or the clock: a restart cures none of those.",
        security: [],
        parameters: [requestId],
        responses: {
          "200": {
            description: "The process works (text `OK: live`, or JSON with Accept)",
            headers,
            content: {
              "application/json": {
                schema: {
                  type: "object",
                  required: ["status"],
                  properties: { status: { const: "ok" } },
                },
              },
              "text/plain": { schema: { type: "string", examples: ["OK: live"] } },
            },
          },
          ...shared,
        },
      },
    },
    "/readyz": {
      get: {
        operationId: "readyz",
        tags: ["operate"],
        summary: "Readiness: whether this instance should get traffic now",
        description:
          "503 while a leasing instance holds no lease or it is about to lapse; a static WORKER_ID is always ready. Reads memory only.",
        security: [],
        parameters: [requestId],
        responses: {
          "200": { description: "Ready to issue IDs", headers, content: readiness("ok") },
          "503": {
            description: "Not ready, with the reasons",
            headers,
            content: readiness("unavailable"),
          },
          ...shared,
        },
      },
    },
  };
}
