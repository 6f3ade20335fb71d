// Runs in Node before the workerd project: a real edgeflake Node server on a free loopback port for
// the client test (client.test.ts) to reach with workerd's own fetch.
import type { TestProject } from "vitest/node";
import { startNodeEntry } from "../../scripts/lib/node-entry.ts";

declare module "vitest" {
  export interface ProvidedContext {
    edgeflakeUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startNodeEntry({ WORKER_ID: "61" });
  project.provide("edgeflakeUrl", server.url);
  return async () => {
    await server.stop("SIGKILL");
  };
}
