// After `wrangler deploy --dry-run --outdir dist/worker`: prints the bundle's raw and gzip size,
// fails above the budget, and with `--record` writes them to docs/BENCHMARKS.md.
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { machineLine, table, writeSection } from "../bench/report.ts";

const BUDGET_GZIP_KIB = 150;
const dir = new URL("../dist/worker/", import.meta.url);

const files = readdirSync(dir).filter((name) => name.endsWith(".js") || name.endsWith(".mjs"));
const bytes = Buffer.concat(files.map((name) => readFileSync(new URL(name, dir))));
const rawKiB = bytes.length / 1024;
const gzipKiB = gzipSync(bytes).length / 1024;
const fmt = (kib: number) => `${kib.toFixed(1)} KiB`;

console.log(
  `worker bundle (${files.join(", ")}): ${fmt(rawKiB)} raw, ${fmt(gzipKiB)} gzip (budget ${BUDGET_GZIP_KIB} KiB gzip)`,
);

if (process.argv.includes("--record")) {
  writeSection(
    "worker-bundle",
    [
      "## Worker bundle (`npm run build:worker -- --record`)",
      "",
      `${machineLine()}. \`wrangler deploy --dry-run --outdir dist/worker\`, minify off (wrangler's default), \`nodejs_compat\`.`,
      "",
      table(
        ["bundle", "raw", "gzip", "budget (gzip)"],
        [
          [
            "dist/worker (Hono app, zod/mini, prom-client, AWS SDK DynamoDB client, leasing)",
            fmt(rawKiB),
            fmt(gzipKiB),
            `${BUDGET_GZIP_KIB} KiB`,
          ],
        ],
      ),
    ].join("\n"),
  );
  console.log("recorded in docs/BENCHMARKS.md");
}

if (gzipKiB > BUDGET_GZIP_KIB) {
  console.error(`the worker bundle is over budget: ${fmt(gzipKiB)} gzip > ${BUDGET_GZIP_KIB} KiB`);
  process.exitCode = 1;
}
