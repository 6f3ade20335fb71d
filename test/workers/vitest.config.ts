import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

// The Worker under test is wrangler.toml's entry with its vars; tests override bindings per case.
export default defineProject({
  plugins: [
    cloudflareTest(() => ({
      wrangler: { configPath: "../../wrangler.toml" },
    })),
  ],
  test: {
    name: "workerd",
    include: ["**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
