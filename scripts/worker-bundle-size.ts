// After `wrangler deploy --dry-run --outdir dist/worker`: prints the bundle's raw and gzip size and
// fails above the budget. With `--record`, also bundles once unminified for comparison and writes
// both to docs/BENCHMARKS.md.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { machineLine, table, writeSection } from "../bench/report.ts";

const BUDGET_GZIP_KIB = 150;

/** Raw and gzip KiB of the JavaScript in `dir`. */
function measure(dir: string): { rawKiB: number; gzipKiB: number } {
  const files = readdirSync(dir).filter((name) => /\.m?js$/.test(name));
  const bytes = Buffer.concat(files.map((name) => readFileSync(join(dir, name))));
  return { rawKiB: bytes.length / 1024, gzipKiB: gzipSync(bytes).length / 1024 };
}

const fmt = (kib: number) => `${kib.toFixed(1)} KiB`;
const built = measure(new URL("../dist/worker/", import.meta.url).pathname);
console.log(
  `worker bundle: ${fmt(built.rawKiB)} raw, ${fmt(built.gzipKiB)} gzip (budget ${BUDGET_GZIP_KIB} KiB gzip)`,
);

if (process.argv.includes("--record")) {
  const tmp = mkdtempSync(join(tmpdir(), "edgeflake-worker-"));
  try {
    execFileSync("wrangler", ["deploy", "--dry-run", "--outdir", tmp, "--env=", "--no-minify"], {
      stdio: "ignore",
    });
    const plain = measure(tmp);
    writeSection(
      "worker-bundle",
      [
        "## Worker bundle (`npm run build:worker -- --record`)",
        "",
        `${machineLine()}. \`wrangler deploy --dry-run\` with wrangler.toml (\`nodejs_compat\`); gzip at Node's default level. Contents: Hono app, zod/mini, prom-client, AWS SDK v3 DynamoDB client, leasing.`,
        "",
        table(
          ["bundle", "raw", "gzip", "budget (gzip)"],
          [
            [
              "dist/worker, minified (as deployed)",
              fmt(built.rawKiB),
              fmt(built.gzipKiB),
              `${BUDGET_GZIP_KIB} KiB`,
            ],
            ["same, unminified (for comparison)", fmt(plain.rawKiB), fmt(plain.gzipKiB), "-"],
          ],
        ),
      ].join("\n"),
    );
    console.log("recorded in docs/BENCHMARKS.md");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (built.gzipKiB > BUDGET_GZIP_KIB) {
  console.error(
    `the worker bundle is over budget: ${fmt(built.gzipKiB)} gzip > ${BUDGET_GZIP_KIB} KiB`,
  );
  process.exitCode = 1;
}
