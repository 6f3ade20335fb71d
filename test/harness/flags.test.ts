// The scripts' flags (scripts/lib/flags.ts): a bad flag or value is one line naming it, the usage
// and exit code 2, before anything is started; --help prints the usage and exits 0.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, script), ...args], { encoding: "utf8", timeout: 30_000 });

describe("script flags", () => {
  it.each([
    ["scripts/chaos.ts", ["--bogus"], /^chaos: Unknown option '--bogus'/],
    ["scripts/chaos.ts", ["--runtimes", "workers"], /^chaos: --runtimes must include node/],
    ["scripts/chaos.ts", ["--store", "redis"], /^chaos: unknown store "redis"/],
    ["scripts/soak.ts", ["--seconds", "0"], /^soak: --minutes or --seconds must be a positive/],
    ["scripts/soak.ts", ["--connections", "many"], /^soak: --connections must be >= 1/],
    [
      "scripts/simulate-pool.ts",
      ["--ttl=-5"],
      /^simulate:pool: --ttl must be a positive number, not "-5"/,
    ],
    ["scripts/simulate-pool.ts", ["--bogus"], /^simulate:pool: Unknown option '--bogus'/],
    ["scripts/simulate-pool.ts", ["--starts", "x"], /^simulate:pool: --starts must be a positive/],
    ["scripts/simulate-pool.ts", ["--layout", "nope"], /^simulate:pool: unknown layout "nope"/],
    ["scripts/simulate-pool.ts", ["--layout", "custom:50/20/0/1"], /^simulate:pool: sequenceBits/],
  ])("%s %j: exit 2, one line and the usage, no stack trace", (script, args, message) => {
    const result = run(script, ...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/^usage: npm run /m);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it.each(["scripts/chaos.ts", "scripts/soak.ts", "scripts/simulate-pool.ts"])(
    "%s --help prints the usage and exits 0",
    (script) => {
      const result = run(script, "--help");
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/^usage: npm run /);
    },
  );
});
