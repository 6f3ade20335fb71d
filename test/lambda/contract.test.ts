import { createLambdaHandler } from "../../src/targets/lambda.ts";
import { httpContract, type TargetFactory } from "../http/contract.ts";
import { type EventVersion, lambdaFetch } from "./events.ts";

// A fresh execution environment per target; the contract runs unchanged through hono/aws-lambda.
const lambdaTarget =
  (version: EventVersion, base64Body = false): TargetFactory =>
  async (env) => ({ fetch: lambdaFetch(createLambdaHandler(env), version, { base64Body }) });

httpContract("Lambda handler, API Gateway HTTP API (v2) events", lambdaTarget("v2"));
httpContract(
  "Lambda handler, API Gateway REST API (v1) events, base64 bodies",
  lambdaTarget("v1", true),
);
