// Answers for requests that never reach the app: Node's HTTP parser rejects them (malformed request
// line or headers, headers over the size limit) or @hono/node-server cannot build a URL from them
// (bad Host header, `*` or backslashes in the target). They get the same RFC 9457 problem+json
// and security headers as every answer of the app, instead of a bare status line.
import type { Duplex } from "node:stream";
import { RequestError } from "@hono/node-server";
import { API_HEADER_OBJECT, problem, problemAsResponse } from "../http/problem.ts";
import type { Logger } from "../log.ts";

/** Request line plus headers, in bytes (Node's default, made explicit): above it, 431. */
export const MAX_HEADER_BYTES = 16_384;

/**
 * For getRequestListener's `errorHandler`: a request that could not be turned into a URL is a 400;
 * anything else (the app never throws or rejects: it answers errors itself) a 500 without details.
 */
export function nodeErrorHandler(logger: Logger): (error: unknown) => Response {
  return (error) => {
    if (error instanceof RequestError) {
      const detail = "the request's target or Host header is malformed";
      return problemAsResponse(problem(400, "malformed-request", "Bad Request", detail));
    }
    logger.error({ err: String(error) }, "unexpected error outside the app");
    const detail = "unexpected error; it has been logged";
    return problemAsResponse(problem(500, "internal", "Internal Server Error", detail));
  };
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [
    431,
    "header-too-large",
    "Request Header Fields Too Large",
    `the request line and headers are limited to ${MAX_HEADER_BYTES} bytes`,
  ],
  HPE_REQUEST_TIMEOUT: [408, "request-timeout", "Request Timeout", "the request took too long"],
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    "request-timeout",
    "Request Timeout",
    "the request took too long",
  ],
};
const BAD_REQUEST: [number, string, string, string] = [
  400,
  "malformed-request",
  "Bad Request",
  "the request is not valid HTTP/1.1",
];

/** For the server's `clientError` event: what Node would answer, as a problem, then close. */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node's default handler: nothing to say on a reset socket or mid-response.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, slug, title, detail] = CLIENT_ERRORS[error.code ?? ""] ?? BAD_REQUEST;
  const body = JSON.stringify(problem(status, slug, title, detail));
  const headers = Object.entries(API_HEADER_OBJECT).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\n` +
      "Content-Type: application/problem+json\r\n" +
      headers.join("") +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
