// Runs in Node before the workerd project: a DynamoDB-API server (LEASE_TEST_STORE, default
// dynalite) on a free loopback port with a lease table, and for the metrics-push tests Debian's
// Prometheus as a remote-write receiver plus an endpoint that never answers, all handed to the
// tests through `provide`/`inject`.
import type { TestProject } from "vitest/node";
import { requireTools } from "../infra/support.ts";
import { startTestStore } from "../lease/support/test-store.ts";
import { startPrometheusReceiver } from "../metrics/prometheus.ts";
import { startReceiver } from "../metrics/receiver.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    leaseTable: string;
    /** Prometheus's base URL, or "" when it is not installed (the push-to-Prometheus test skips). */
    prometheusUrl: string;
    /** A remote-write endpoint that accepts connections and never answers. */
    hangingPushUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await startTestStore();
  project.provide("dynamodbEndpoint", db.endpoint);
  project.provide("leaseTable", await db.table("workerd"));
  const prometheus = requireTools("prometheus") ? await startPrometheusReceiver() : undefined;
  project.provide("prometheusUrl", prometheus?.url ?? "");
  const hanging = await startReceiver();
  hanging.mode = "hang";
  project.provide("hangingPushUrl", hanging.url);
  return async () => {
    await Promise.all([db.stop(), prometheus?.stop(), hanging.close()]);
  };
}
