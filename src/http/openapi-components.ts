// The reusable parts of /openapi.json: the problem body, the responses and headers every route
// shares, and the security schemes. Kept apart from the paths (openapi.ts) to keep both short.
export type JsonSchema = Record<string, unknown>;

/** A `$ref` to a component: `ref("responses", "Unauthorized")`. */
export function ref(kind: string, name: string): JsonSchema {
  return { $ref: `#/components/${kind}/${name}` };
}

const problemContent = { "application/problem+json": { schema: ref("schemas", "Problem") } };

function problemResponse(description: string, headers: Record<string, JsonSchema> = {}) {
  return {
    description,
    headers: { "X-Request-Id": ref("headers", "RequestId"), ...headers },
    content: problemContent,
  };
}

/** `components`: named so that generated clients get readable type names. */
export function components(): JsonSchema {
  return {
    securitySchemes: {
      authToken: {
        type: "http",
        scheme: "bearer",
        description:
          "AUTH_TOKEN, when the service sets it: required by /generate and /decode/{id}; without AUTH_TOKEN these routes are open",
      },
      metricsToken: {
        type: "http",
        scheme: "bearer",
        description:
          "METRICS_TOKEN, when the service sets it: required by /metrics; without it /metrics is open",
      },
    },
    schemas: {
      Problem: {
        type: "object",
        description: "An RFC 9457 problem; `type` is a stable URN per kind of problem",
        required: ["type", "title", "status", "detail"],
        properties: {
          type: { type: "string", examples: ["urn:edgeflake:problem:invalid-count"] },
          title: { type: "string", examples: ["Bad Request"] },
          status: { type: "integer", minimum: 400, maximum: 599 },
          detail: { type: "string" },
          requestId: { type: "string", description: "the request's X-Request-Id" },
        },
      },
    },
    parameters: {
      RequestId: {
        name: "X-Request-Id",
        in: "header",
        required: false,
        description:
          "Echoed in the answer, problem bodies and log lines when 1-128 of A-Z a-z 0-9 . _ : + = / - (else a new one is generated)",
        schema: { type: "string", pattern: "^[A-Za-z0-9._:+=/-]{1,128}$" },
      },
    },
    headers: {
      RequestId: {
        description: "The caller's X-Request-Id when well-formed, else a generated one",
        schema: { type: "string" },
      },
      RetryAfter: {
        description: "Seconds to wait before retrying",
        schema: { type: "integer", minimum: 0 },
      },
      WwwAuthenticate: {
        description: 'The scheme to use: Bearer realm="edgeflake"',
        schema: { type: "string" },
      },
      Allow: {
        description: "The methods the route answers: GET, HEAD",
        schema: { type: "string" },
      },
    },
    responses: {
      BadRequest: problemResponse(
        "Bad query or path: invalid-count, invalid-format, invalid-id, repeated-parameter",
      ),
      Unauthorized: problemResponse("The bearer token is missing or wrong", {
        "WWW-Authenticate": ref("headers", "WwwAuthenticate"),
      }),
      NotFound: problemResponse("No such route (here: an ID path with a / in it)"),
      UriTooLong: problemResponse("The URL is longer than 2048 characters"),
      Unavailable: problemResponse(
        "The service cannot issue an ID it can prove unique (lease-expired, clock-backward, no-free-worker-id, lease-store-unavailable, ...): it fails closed",
        { "Retry-After": ref("headers", "RetryAfter") },
      ),
      OtherProblem: problemResponse(
        "Any other problem: 404 no such route, 405 a method other than GET and HEAD (with Allow: GET, HEAD), 500 an unexpected error (logged, never a stack); on Node also 400 malformed-request and 431 header-too-large, before routing",
        { Allow: ref("headers", "Allow") },
      ),
    },
  };
}

/** The CORS preflight of an ID route: answered only with CORS_ORIGINS set. */
export function preflight(operationId: string, tag: string, path: string): JsonSchema {
  const header = (description: string) => ({ description, schema: { type: "string" } });
  return {
    operationId,
    tags: [tag],
    summary: `CORS preflight of ${path}`,
    description:
      "Answered when the service sets CORS_ORIGINS: 204 for an allowed Origin, 403 for another. Without CORS_ORIGINS, 405 like any method other than GET and HEAD.",
    security: [],
    parameters: [
      { name: "Origin", in: "header", required: true, schema: { type: "string" } },
      ref("parameters", "RequestId"),
    ],
    responses: {
      "204": {
        description: "Allowed: the browser may send the request",
        headers: {
          "Access-Control-Allow-Origin": header("The origin, or * with CORS_ORIGINS=*"),
          "Access-Control-Allow-Methods": header("GET, HEAD"),
          "Access-Control-Allow-Headers": header("Authorization, Accept, X-Request-Id"),
          "Access-Control-Max-Age": { description: "600", schema: { type: "integer" } },
          "X-Request-Id": ref("headers", "RequestId"),
        },
      },
      "403": problemResponse("The Origin is not in CORS_ORIGINS (origin-not-allowed)"),
      "405": problemResponse("CORS_ORIGINS is unset: no preflights (method-not-allowed)", {
        Allow: ref("headers", "Allow"),
      }),
      "414": ref("responses", "UriTooLong"),
    },
  };
}
