// Shared by tests, chaos runs and benchmarks (scripts/lib may not import from test/).
import { createServer } from "node:net";

/** A free TCP port on `host` (asks the OS for one, then releases it). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
