// Runs in Node before the workerd project: a dynalite server on a free loopback port with a lease
// table, handed to the Worker's bindings through `provide`/`inject`.
import type { TestProject } from "vitest/node";
import { startDynalite } from "../lease/support/dynalite.ts";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    leaseTable: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await startDynalite();
  project.provide("dynamodbEndpoint", db.endpoint);
  project.provide("leaseTable", await db.table("workerd"));
  return () => db.stop();
}
