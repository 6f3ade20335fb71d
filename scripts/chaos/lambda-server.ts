// One Lambda execution environment for the chaos run: an HTTP server that turns each request into
// an API Gateway v2 (HTTP API) event for the real `handler` of src/targets/lambda.ts, one invocation
// at a time as Lambda runs them. SIGSTOP freezes it the way Lambda freezes an environment.
// Usage: node scripts/chaos/lambda-server.ts <port>   (configuration from the environment)
import { createServer } from "node:http";
import { httpApiEvent, toResponse } from "../lib/lambda-events.ts";

const port = Number(process.argv[2]);
// The log stream names the environment; the chaos driver finds the holder's pid in the lease's host.
process.env.AWS_LAMBDA_LOG_STREAM_NAME ??= `chaos-lambda#${process.pid}`;
const { handler } = await import("../../src/targets/lambda.ts");

/** Invocations run one after another, like one execution environment. */
let queue: Promise<unknown> = Promise.resolve();

createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string") headers.set(name, value);
    }
    const method = request.method ?? "GET";
    const body = method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks);
    queue = queue.then(async () => {
      try {
        const event = await httpApiEvent(request.url ?? "/", { method, headers, body });
        const answer = toResponse(await handler(event));
        response.writeHead(answer.status, Object.fromEntries(answer.headers));
        response.end(Buffer.from(await answer.arrayBuffer()));
      } catch (error) {
        console.error(error);
        response.writeHead(502).end("invocation failed");
      }
    });
  });
}).listen(port, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ msg: "listening", port })}\n`);
});
