// The Worker bundle stays within its budget: one accidental import (full zod, pino, a Node-only
// module) would otherwise only show up at deploy time.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { expect, it } from "vitest";

it("wrangler bundles the Worker (dry run) within 150 KiB gzip, without Node-only modules", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "edgeflake-worker-"));
  try {
    await promisify(execFile)(
      "wrangler",
      [
        "deploy",
        "--dry-run",
        "--outdir",
        outdir,
        "--env=",
        "--metafile",
        join(outdir, "meta.json"),
      ],
      {
        cwd: new URL("../../", import.meta.url),
        env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
        timeout: 60_000,
      },
    );
    const bundle = readFileSync(join(outdir, "worker.js"));
    expect(gzipSync(bundle).length / 1024).toBeLessThanOrEqual(150);
    const meta = JSON.parse(readFileSync(join(outdir, "meta.json"), "utf8")) as {
      inputs: Record<string, unknown>;
    };
    const inputs = Object.keys(meta.inputs).join("\n");
    expect(inputs).toMatch(/src\/targets\/worker\.ts/);
    expect(inputs).not.toMatch(/node_modules\/(pino|@hono\/node-server)\//);
    expect(inputs).not.toMatch(/node_modules\/zod\/v4\/classic\//); // zod/mini only
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
