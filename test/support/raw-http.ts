import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
  /** The whole answer as received (latin1). */
  raw: string;
}

/**
 * Sends `request` byte for byte over a fresh loopback connection (no client-side validation, so
 * malformed requests go out as written) and reads the answer until the server closes. Null when
 * the server closed without answering or `timeoutMs` passed.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  timeoutMs = 5_000,
): Promise<RawAnswer | null> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(parse(Buffer.concat(chunks).toString("latin1")));
    });
    socket.write(typeof request === "string" ? Buffer.from(request, "latin1") : request);
  });
}

function parse(raw: string): RawAnswer | null {
  const end = raw.indexOf("\r\n\r\n");
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(raw);
  if (end === -1 || !status) return null;
  const fields = new Map<string, string>();
  for (const line of raw.slice(0, end).split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(end + 4);
  if (fields.get("transfer-encoding") === "chunked") body = unchunk(body);
  return {
    status: Number(status[1]),
    headers: { get: (name) => fields.get(name.toLowerCase()) ?? null },
    body: Buffer.from(body, "latin1").toString("utf8"),
    raw,
  };
}

function unchunk(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    const size = Number.parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

/** A GET request as a client would write it, closing the connection after the answer. */
export function getRequest(target: string, headers: string[] = []): string {
  return [
    `GET ${target} HTTP/1.1`,
    "Host: 127.0.0.1",
    ...headers,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
}
