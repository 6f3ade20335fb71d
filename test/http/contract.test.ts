import { inProcessTarget } from "../support/in-process.ts";
import { httpContract } from "./contract.ts";

httpContract("in-process (app.request)", inProcessTarget);
