import { parseConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { createService } from "../../src/service.ts";
import { systemClock } from "../../src/system-clock.ts";
import type { TargetFactory } from "../http/contract.ts";

/** The app in this process: `app.request` needs no socket. */
export const inProcessTarget: TargetFactory = async (env) => {
  const config = parseConfig(env, Date.now());
  const { app } = createService(config, {
    clock: systemClock,
    logger: silentLogger,
    runtime: "node",
    version: "test",
  });
  return { fetch: async (path, init) => app.request(path, init) };
};
