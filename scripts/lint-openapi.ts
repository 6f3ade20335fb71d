// `npm run lint:openapi`: writes the served OpenAPI document (what GET /openapi.json answers) to a
// temporary file and lints it with Redocly's recommended rules and Spectral's `oas` ruleset; the
// run fails on any error or warning from either.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import packageJson from "../package.json" with { type: "json" };
import { openApiDocument } from "../src/http/openapi.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BIN = join(ROOT, "node_modules", ".bin");

function run(command: string, args: string[]): number {
  console.log(`lint:openapi: ${command} ${args.join(" ")}`);
  const result = spawnSync(join(BIN, command), args, { cwd: ROOT, stdio: "inherit" });
  return result.status ?? 1;
}

function main(): number {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-openapi-"));
  try {
    const file = join(dir, "openapi.json");
    // The defaults: MAX_BATCH 10000 (the bound of `count`).
    writeFileSync(
      file,
      `${JSON.stringify(openApiDocument(packageJson.version, 10_000), null, 2)}\n`,
    );
    const redocly = run("redocly", ["lint", "--format=stylish", "--max-problems=200", file]);
    const spectral = run("spectral", [
      "lint",
      "--ruleset",
      join(ROOT, ".spectral.yaml"),
      "--fail-severity=warn",
      file,
    ]);
    return redocly === 0 && spectral === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
