// The Lambda bundle serverless/serverless.yml packages: one ESM file with every dependency
// (hono, prom-client, the AWS SDK DynamoDB client), so the artifact does not depend on the
// SDK version the Lambda runtime happens to ship.
import { build } from "esbuild";

// An explicit output path (tests package in a scratch copy of serverless/).
const outfile =
  process.argv[2] ?? new URL("../serverless/dist/handler.mjs", import.meta.url).pathname;

const result = await build({
  entryPoints: [new URL("../src/targets/lambda.ts", import.meta.url).pathname],
  outfile,
  bundle: true,
  platform: "node",
  target: "node24",
  format: "esm",
  minify: true,
  legalComments: "none",
  metafile: true,
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  },
  logLevel: "warning",
});

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(`lambda bundle: ${outfile} (${(bytes / 1024).toFixed(1)} KiB)`);
