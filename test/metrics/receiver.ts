// A recording remote-write endpoint on a free loopback port, for the pusher's failure paths (the
// acceptance of what it sends is tested against a real Prometheus in prometheus-push.test.ts).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedPush {
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export interface Receiver {
  url: string;
  pushes: ReceivedPush[];
  /** What the next requests get: a status code, or "hang" (never answered). */
  mode: number | "hang";
  close(): Promise<void>;
}

/** Starts the endpoint; it answers 204 until `mode` is changed. */
export async function startReceiver(): Promise<Receiver> {
  const hanging: ServerResponse[] = [];
  const receiver: Receiver = {
    url: "",
    pushes: [],
    mode: 204,
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      receiver.pushes.push({
        headers: request.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      });
      if (receiver.mode === "hang") hanging.push(response);
      else response.writeHead(receiver.mode).end(receiver.mode >= 400 ? "refused by the test" : "");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write`;
  return receiver;
}
