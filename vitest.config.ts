import { configDefaults, defineConfig } from "vitest/config";

// The lease test files that run against one DynamoDB-API store (test/lease/support/test-store.ts):
// dynalite unless LEASE_TEST_STORE says otherwise; `both` runs them again on DynamoDB Local, as
// the node-dynamodb-local project. store-conformance.test.ts runs every store itself; the workerd
// project's global setup follows LEASE_TEST_STORE too, and takes dynalite under `both`.
const SINGLE_STORE_LEASE_TESTS = [
  "test/lease/store.test.ts",
  "test/lease/table.test.ts",
  "test/lease/leaser.test.ts",
  "test/lease/lazy.test.ts",
  "test/lease/outage.test.ts",
  "test/lease/node-e2e.test.ts",
  "test/lease/protocol.model.test.ts",
  "test/lease/shutdown-load.test.ts",
  "test/lease/probe-outage.test.ts",
  "test/lambda/lambda.test.ts",
];
const both = process.env.LEASE_TEST_STORE === "both";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // One run, one report: the workerd project's results land in the same JSON as the Node ones,
    // and .ci/run counts its closing "N passed, N failed" line from it.
    reporters: ["default", ["json", { outputFile: ".vitest-report.json" }]],
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/workers/**"],
        },
      },
      ...(both
        ? [
            {
              extends: true,
              test: {
                name: "node-dynamodb-local",
                include: SINGLE_STORE_LEASE_TESTS,
                env: { LEASE_TEST_STORE: "dynamodb-local" },
              },
            },
          ]
        : []),
      // Runs inside workerd through @cloudflare/vitest-plugin (an ESM config of its own).
      "test/workers/vitest.config.ts",
    ],
  },
});
