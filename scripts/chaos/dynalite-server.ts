// A dynalite server as its own process, so the chaos driver can stop it (an outage) and start it
// again on the same port with the same data (kept on disk in `path`).
// Usage: node scripts/chaos/dynalite-server.ts <port> <path>
import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

const [port = "0", path] = process.argv.slice(2);
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.listen(Number(port), "127.0.0.1", () => {
  process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`);
});
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
