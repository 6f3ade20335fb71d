import { silentLogger } from "../../src/log.ts";
import { createNodeServer } from "../../src/targets/node-server.ts";
import type { TargetFactory } from "../http/contract.ts";

/** The Node target's handler in this process (`createNodeServer`, never listening): no socket. */
export const inProcessTarget: TargetFactory = async (env) => {
  const node = createNodeServer(env, { logger: silentLogger, processMetrics: false });
  return { fetch: async (path, init) => node.fetch(new Request(`http://localhost${path}`, init)) };
};
