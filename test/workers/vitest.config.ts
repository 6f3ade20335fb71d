import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineProject } from "vitest/config";

// The Worker under test is wrangler.toml's entry; its lease bindings point at the dynalite server
// that global-setup.ts starts on 127.0.0.1 (workerd reaches it with the AWS SDK's fetch handler),
// as are the remote-write receivers of metrics-push.test.ts.
export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: "../../wrangler.toml" },
      miniflare: {
        bindings: {
          DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
          LEASE_TABLE: inject("leaseTable"),
          AWS_ACCESS_KEY_ID: "local",
          AWS_SECRET_ACCESS_KEY: "local",
          LOG_LEVEL: "warn",
          // For metrics-push.test.ts only (unknown names are ignored by the config).
          TEST_PROMETHEUS_URL: inject("prometheusUrl"),
          TEST_HANGING_PUSH_URL: inject("hangingPushUrl"),
        },
      },
    })),
  ],
  test: {
    name: "workerd",
    include: ["**/*.test.ts"],
    globalSetup: ["./global-setup.ts", "./client-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
