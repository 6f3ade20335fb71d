import { createWorkerHandler } from "../../src/targets/worker.ts";
import { httpContract, type TargetFactory } from "../http/contract.ts";
import { workerFetch } from "./support.ts";

// A fresh handler (a fresh "isolate" state) per target, inside workerd, on the real clock.
const workerdTarget: TargetFactory = async (env) => ({
  fetch: workerFetch(createWorkerHandler(), env),
});

httpContract("workerd (Worker fetch handler)", workerdTarget);
