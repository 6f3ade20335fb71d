// Servers for the client tests: the Node target on a real loopback socket in this process, and tiny
// node:http stand-ins for the failures a real server cannot be made to produce on demand.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger } from "../../src/log.ts";
import { createNodeServer } from "../../src/targets/node-server.ts";

export interface LocalServer {
  url: string;
  /** Every request's path and `Date.now()` on arrival. */
  requests: { path: string; atMs: number }[];
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}` };
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** The Node target (static worker ID) from `createNodeServer` on a free loopback port, in this process. */
export async function startAppServer(env: Record<string, string> = {}): Promise<LocalServer> {
  const node = createNodeServer(
    { WORKER_ID: "9", ...env },
    { logger: silentLogger, port: 0, host: "127.0.0.1", processMetrics: false },
  );
  const requests: LocalServer["requests"] = [];
  node.server.prependListener("request", (req: IncomingMessage) => {
    requests.push({ path: req.url ?? "", atMs: Date.now() });
  });
  await node.start();
  return { url: node.url, requests, close: closer(node.server) };
}

/** Answers every request with `status` (503 by default) as problem+json, with `headers`. */
export async function startFailingServer(
  status = 503,
  headers: Record<string, string> = { "Retry-After": "1" },
): Promise<LocalServer> {
  const requests: LocalServer["requests"] = [];
  const { server, url } = await listen((req, res) => {
    requests.push({ path: req.url ?? "", atMs: Date.now() });
    res.writeHead(status, { "content-type": "application/problem+json", ...headers });
    res.end(
      JSON.stringify({
        type: "urn:edgeflake:problem:lease-expired",
        title: "Service Unavailable",
        status,
        detail: "no valid worker-ID lease covers the current time",
      }),
    );
  });
  return { url, requests, close: closer(server) };
}

/** Accepts requests and never answers them (a hung server). */
export async function startSilentServer(): Promise<LocalServer> {
  const requests: LocalServer["requests"] = [];
  const { server, url } = await listen((req) => {
    requests.push({ path: req.url ?? "", atMs: Date.now() });
  });
  return { url, requests, close: closer(server) };
}

/** True when every ID is greater than the one before (as numbers). */
export function strictlyIncreasing(ids: readonly (string | bigint)[]): boolean {
  let previous = -1n;
  for (const id of ids) {
    const value = BigInt(id);
    if (value <= previous) return false;
    previous = value;
  }
  return true;
}
