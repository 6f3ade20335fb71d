// Config fuzzing at the process level: `node src/targets/node.ts` with invalid environment values
// never starts half-configured. It exits 1 before listening, names every bad variable on stderr,
// never echoes a token, and prints no stack trace. (parseConfig's own property test is in
// test/config.test.ts.)
import { connect } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runNodeEntryToExit } from "../../scripts/lib/node-entry.ts";

const SECRET = "not-a-valid-token\u00e9-but-secret";

// Values each variable's schema rejects (checked without a layout, so any mix is reported whole).
const BAD: Record<string, string[]> = {
  PORT: ["0", "65536", "-1", "80a", "1e3", "8080.5", "\u0661\u0662"],
  WORKER_ID: ["-1", "abc", "1048576", "1.5"],
  MAX_BATCH: ["0", "100001", "many", "10 000"],
  MAX_CLOCK_BACKWARD_MS: ["-5", "10001", "ten"],
  LEASE_TTL_MS: ["999", "3600001", "30s"],
  DEMO_LOAD: ["-1", "1000001", "lots"],
  LOG_LEVEL: ["loud", "INFO ", "verbose"],
  LAYOUT: ["classic classic", "custom:10/10/10/1/extra!"],
  EPOCH: ["yesterday", "2025-13-45"],
  AWS_REGION: ["mars", "EU-WEST-1"],
  DYNAMODB_ENDPOINT: ["ftp://x", "localhost:8000"],
  AUTH_TOKEN: ["short", SECRET],
  METRICS_TOKEN: ["tiny", SECRET],
  HOST: ["a b", "x/y"],
};

// Values that pass their own schema but not the cross-checks (layout, worker range, combination).
const SEMANTIC: Record<string, string>[] = [
  { WORKER_ID: "1024" },
  { LAYOUT: "custom:10/10/10/1" },
  { EPOCH: "2999-01-01T00:00:00Z" },
  { WORKER_ID: "3", LEASE_TABLE: "edgeflake-leases" },
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  listened: boolean;
}

async function run(env: Record<string, string>): Promise<Run> {
  const { code, stdout, stderr, port } = await runNodeEntryToExit(env);
  // Nothing may be listening on the port it was given.
  const listened = await new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
  return { code, stdout, stderr, listened };
}

function expectRefused(result: Run, names: string[], context: string): void {
  const where = `${context}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
  expect(result.code, where).toBe(1);
  expect(result.listened, where).toBe(false);
  expect(result.stdout, where).not.toMatch(/"listening"/);
  for (const name of names)
    expect(result.stderr, where).toMatch(new RegExp(`^config error: ${name}=`, "m"));
  expect(result.stderr, where).not.toMatch(/\n\s+at |node:internal|\.ts:\d+/);
  expect(result.stderr + result.stdout, where).not.toContain(SECRET);
}

describe("config fuzzing at the process level", () => {
  it("random mixes of invalid values (seeded sample): exit 1 before listening, every bad variable named", async () => {
    const mixes = fc.sample(
      fc
        .uniqueArray(fc.constantFrom(...Object.keys(BAD)), { minLength: 1, maxLength: 4 })
        .chain((names) =>
          fc
            .tuple(...names.map((name) => fc.constantFrom(...(BAD[name] as string[]))))
            .map((values) =>
              Object.fromEntries(names.map((name, i) => [name, values[i] as string])),
            ),
        ),
      { numRuns: 8, seed: 20261125 },
    );
    // Two at a time: the machine is shared.
    for (let i = 0; i < mixes.length; i += 2) {
      const batch = mixes.slice(i, i + 2);
      const results = await Promise.all(batch.map((env) => run(env)));
      results.forEach((result, j) => {
        const env = batch[j] as Record<string, string>;
        expectRefused(result, Object.keys(env), JSON.stringify(env));
      });
    }
  }, 120_000);

  it.each(SEMANTIC)("cross-checks refuse %o the same way", async (env) => {
    const result = await run(env);
    const named = "LEASE_TABLE" in env ? [] : Object.keys(env);
    expectRefused(result, named, JSON.stringify(env));
    if ("LEASE_TABLE" in env) expect(result.stderr).toMatch(/set one, not both/);
  });
});
