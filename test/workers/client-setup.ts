// Runs in Node before the workerd project: the Node target (`createNodeServer`, in this process) on
// a free loopback port for the client test (client.test.ts) to reach with workerd's own fetch.
import type { TestProject } from "vitest/node";
import { silentLogger } from "../../src/log.ts";
import { createNodeServer } from "../../src/targets/node-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    edgeflakeUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const node = createNodeServer(
    { WORKER_ID: "61" },
    { port: 0, host: "127.0.0.1", logger: silentLogger, processMetrics: false },
  );
  await node.start();
  project.provide("edgeflakeUrl", node.url);
  return () => node.shutdown();
}
