import { configDefaults, defineConfig } from "vitest/config";

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
      // Runs inside workerd through @cloudflare/vitest-plugin (an ESM config of its own).
      "test/workers/vitest.config.ts",
    ],
  },
});
