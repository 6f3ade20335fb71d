// Turns fetch-style calls into the events API Gateway hands to Lambda, and Lambda results back into
// Responses, so the HTTP contract suite runs through the real handler.
import type { APIGatewayProxyResult, LambdaEvent } from "hono/aws-lambda";
import type { LambdaHandler } from "../../src/targets/lambda.ts";

/** The fetch-like function the HTTP contract suite (test/http/contract.ts) is written against. */
export type FetchLike = (path: string, init?: RequestInit) => Promise<Response>;

export type EventVersion = "v1" | "v2";

const DOMAIN = "abc123.execute-api.eu-west-1.amazonaws.com";

interface Parts {
  method: string;
  path: string;
  query: [string, string][];
  rawQuery: string;
  /** Header name (lower case) to every value given. */
  headers: Map<string, string[]>;
  body: string | null;
}

/** Options beyond RequestInit that only an event can express. */
export interface EventOptions {
  /** Send the body base64-encoded (`isBase64Encoded: true`), as API Gateway does for binary media. */
  base64Body?: boolean;
  /** Extra values per header (multi-value headers: v1 `multiValueHeaders`, v2 comma-joined). */
  multiHeaders?: Record<string, string[]>;
}

async function parts(
  path: string,
  init: RequestInit = {},
  options: EventOptions = {},
): Promise<Parts> {
  const url = new URL(path, `https://${DOMAIN}`);
  const headers = new Map<string, string[]>();
  for (const [name, value] of new Headers(init.headers)) headers.set(name, [value]);
  for (const [name, values] of Object.entries(options.multiHeaders ?? {})) {
    headers.set(name.toLowerCase(), [...(headers.get(name.toLowerCase()) ?? []), ...values]);
  }
  const body =
    init.body === undefined || init.body === null ? null : await new Response(init.body).text();
  return {
    method: (init.method ?? "GET").toUpperCase(),
    path: url.pathname,
    query: [...url.searchParams],
    rawQuery: url.search.slice(1),
    headers,
    body,
  };
}

function encodeBody(body: string | null, base64: boolean | undefined) {
  if (body === null) return { body: null, isBase64Encoded: false };
  return base64
    ? { body: Buffer.from(body).toString("base64"), isBase64Encoded: true }
    : { body, isBase64Encoded: false };
}

/** An API Gateway HTTP API (payload format 2.0) event. */
export async function httpApiEvent(
  path: string,
  init?: RequestInit,
  options: EventOptions = {},
): Promise<LambdaEvent> {
  const p = await parts(path, init, options);
  const headers: Record<string, string> = { host: DOMAIN };
  let cookies: string[] | undefined;
  for (const [name, values] of p.headers) {
    if (name === "cookie") cookies = values.flatMap((v) => v.split(/;\s*/));
    else headers[name] = values.join(",");
  }
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of p.query) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath: p.path,
    rawQueryString: p.rawQuery,
    cookies,
    headers,
    queryStringParameters: p.query.length > 0 ? queryStringParameters : undefined,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: DOMAIN,
      domainPrefix: "abc123",
      http: {
        method: p.method,
        path: p.path,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.9",
        userAgent: "contract",
      },
      requestId: crypto.randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...encodeBody(p.body, options.base64Body),
  } as unknown as LambdaEvent;
}

/** An API Gateway REST API (payload format 1.0) proxy event with multi-value headers and query. */
export async function restApiEvent(
  path: string,
  init?: RequestInit,
  options: EventOptions = {},
): Promise<LambdaEvent> {
  const p = await parts(path, init, options);
  const headers: Record<string, string> = { Host: DOMAIN };
  const multiValueHeaders: Record<string, string[]> = { Host: [DOMAIN] };
  for (const [name, values] of p.headers) {
    headers[name] = values.at(-1) as string;
    multiValueHeaders[name] = values;
  }
  const queryStringParameters: Record<string, string> = {};
  const multiValueQueryStringParameters: Record<string, string[]> = {};
  for (const [name, value] of p.query) {
    queryStringParameters[name] = value;
    multiValueQueryStringParameters[name] = [
      ...(multiValueQueryStringParameters[name] ?? []),
      value,
    ];
  }
  const hasQuery = p.query.length > 0;
  return {
    version: "1.0",
    resource: "/{proxy+}",
    path: p.path,
    httpMethod: p.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? queryStringParameters : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQueryStringParameters : null,
    pathParameters: { proxy: p.path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: DOMAIN,
      httpMethod: p.method,
      path: `/prod${p.path}`,
      protocol: "HTTP/1.1",
      requestId: crypto.randomUUID(),
      resourcePath: "/{proxy+}",
      stage: "prod",
      identity: { sourceIp: "203.0.113.9", userAgent: "contract" },
    },
    ...encodeBody(p.body, options.base64Body),
  } as unknown as LambdaEvent;
}

/** What API Gateway makes of a Lambda result: the HTTP response the client sees. */
export function toResponse(result: APIGatewayProxyResult): Response {
  const headers = new Headers();
  if (result.multiValueHeaders) {
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      for (const value of values) headers.append(name, value);
    }
  }
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  for (const cookie of result.cookies ?? []) headers.append("set-cookie", cookie);
  const body = result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
  return new Response(body, { status: result.statusCode, headers });
}

/** A fetch-like function that goes through `handler` with events of one version. */
export function lambdaFetch(
  handler: LambdaHandler,
  version: EventVersion,
  options: EventOptions = {},
): FetchLike {
  const event = version === "v1" ? restApiEvent : httpApiEvent;
  return async (path, init) => toResponse(await handler(await event(path, init, options)));
}
