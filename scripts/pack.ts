// The pack step of `npm pack` / `npm publish` (the prepack and postpack scripts).
//
// The repository is the service: its package.json lists the service's dependencies (hono,
// prom-client, the AWS SDK...) so that `npm ci && npm start` and the container image work. The
// package is only the pure core, the fetch client and the CLI, which need none of them. So
// `prepack` compiles those to JavaScript + .d.ts in dist/lib and puts a package.json without
// dependencies or scripts in place for the tarball; `postpack` puts the repository's one back.
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "dist/lib");
const MANIFEST = join(ROOT, "package.json");
const SAVED = join(ROOT, "dist/package.repo.json");

/** Fields of the repository's package.json that the published one keeps, in this order. */
const PUBLISHED_FIELDS = [
  "name",
  "version",
  "description",
  "keywords",
  "license",
  "type",
  "exports",
  "types",
  "typesVersions",
  "bin",
  "files",
];
// What the compiled package runs on (fetch, AbortSignal, ES2023), not what the repository needs.
const PUBLISHED_ENGINES = { node: ">=20" };

function build(): void {
  rmSync(OUT, { recursive: true, force: true });
  const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
  execFileSync(process.execPath, [tsc, "-p", join(ROOT, "tsconfig.build.json")], {
    stdio: "inherit",
  });
  // tsc rewrites ".ts" imports to ".js" in JavaScript but keeps them in .d.ts files; consumers'
  // compilers resolve ".js" to the .d.ts beside it, so rewrite those too.
  for (const file of walk(OUT)) {
    if (!file.endsWith(".d.ts")) continue;
    const text = readFileSync(file, "utf8");
    writeFileSync(file, text.replace(/(from\s+["']\.{1,2}\/[^"']+)\.ts(["'])/g, "$1.js$2"));
  }
  chmodSync(join(OUT, "cli/main.js"), 0o755);
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

function publishedManifest(repo: Record<string, unknown>): Record<string, unknown> {
  const published: Record<string, unknown> = {};
  for (const field of PUBLISHED_FIELDS) {
    if (repo[field] !== undefined) published[field] = repo[field];
  }
  published.engines = PUBLISHED_ENGINES;
  // Only here, not in the repository: bundlers would drop the service's side-effect imports.
  published.sideEffects = false;
  return published;
}

function prepack(): void {
  restore(); // a pack that died half-way left the published manifest in place
  build();
  const repo = JSON.parse(readFileSync(MANIFEST, "utf8")) as Record<string, unknown>;
  copyFileSync(MANIFEST, SAVED);
  writeFileSync(MANIFEST, `${JSON.stringify(publishedManifest(repo), null, 2)}\n`);
}

function restore(): void {
  if (existsSync(SAVED)) renameSync(SAVED, MANIFEST);
}

const step = process.argv[2];
if (step === "prepack") prepack();
else if (step === "postpack") restore();
else if (step === "build") build();
else {
  process.stderr.write("usage: node scripts/pack.ts prepack|postpack|build\n");
  process.exitCode = 2;
}
