// The package as a user gets it: `npm pack` (with its prepack build), the tarball installed into an
// empty project outside the repository with the registry unreachable, then used from there: plain
// ESM JavaScript against a running server, a TypeScript consumer checked against the shipped .d.ts,
// and the CLI through npx.
import { execFile } from "node:child_process";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, startAppServer } from "../client/support.ts";
import { runInChromium, serveConsumer } from "./browser.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
// Nothing may reach a registry: a closed port instead of the real one, and --offline.
const OFFLINE_ENV = {
  ...process.env,
  PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
  npm_config_registry: "http://127.0.0.1:9/",
  npm_config_offline: "true",
  npm_config_audit: "false",
  npm_config_fund: "false",
  npm_config_update_notifier: "false",
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process (the in-process server must keep answering). */
function run(file: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: OFFLINE_ENV, timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function runOk(file: string, args: string[], cwd: string): Promise<string> {
  const result = await run(file, args, cwd);
  if (result.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

describe("the npm package, installed from its tarball", () => {
  let scratch: string;
  let consumer: string;
  let server: LocalServer;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "edgeflake-package-"));
    // `npm pack` swaps package.json for the published one while it runs: pack a copy of the
    // project so that tests running meanwhile never see the swapped file.
    const project = join(scratch, "project");
    for (const path of [
      "package.json",
      "tsconfig.json",
      "tsconfig.build.json",
      "README.md",
      "src",
    ]) {
      cpSync(join(ROOT, path), join(project, path), { recursive: true });
    }
    cpSync(join(ROOT, "scripts/pack.ts"), join(project, "scripts/pack.ts"));
    symlinkSync(join(ROOT, "node_modules"), join(project, "node_modules"));
    const packed = JSON.parse(
      await runOk("npm", ["pack", "--json", "--pack-destination", scratch], project),
    ) as { filename: string }[];
    const tarball = join(scratch, packed[0]?.filename ?? "");
    // postpack put the project's own package.json back.
    expect(readFileSync(join(project, "package.json"), "utf8")).toBe(
      readFileSync(join(ROOT, "package.json"), "utf8"),
    );

    consumer = join(scratch, "consumer");
    cpSync(join(ROOT, "test/package/fixtures"), consumer, { recursive: true });
    // Kept as .txt in the repository: the repository's own typecheck must not see them.
    for (const name of ["consumer", "misuse"]) {
      renameSync(join(consumer, `${name}.ts.txt`), join(consumer, `${name}.ts`));
    }
    writeFileSync(
      join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    await runOk("npm", ["install", "--offline", tarball], consumer);
    server = await startAppServer({ WORKER_ID: "77" });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("installs with no dependencies: the tarball holds compiled JavaScript and .d.ts only", () => {
    const installed = join(consumer, "node_modules");
    expect(readdirSync(installed).filter((name) => !name.startsWith("."))).toEqual(["edgeflake"]);
    const manifest = JSON.parse(readFileSync(join(installed, "edgeflake/package.json"), "utf8"));
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.scripts).toBeUndefined();
    expect(Object.keys(manifest.exports)).toEqual([".", "./client", "./package.json"]);
    const files = readdirSync(join(installed, "edgeflake/dist/lib"), { recursive: true }).map(
      String,
    );
    expect(files.some((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toBe(false);
    expect(files).toEqual(
      expect.arrayContaining(["core/index.d.ts", "client/index.js", "cli/main.js"]),
    );
  });

  it("plain ESM JavaScript: 100k IDs through next() are unique and increasing, decode matches /decode", async () => {
    const out = await runOk(process.execPath, ["consumer.mjs", server.url], consumer);
    const result = JSON.parse(out) as {
      count: number;
      unique: number;
      increasing: boolean;
      decodedLocally: unknown[];
      decodedByServer: unknown[];
      bigintType: string;
      generatorIds: string[];
      layoutName: string;
    };
    expect(result.count).toBe(100_000);
    expect(result.unique).toBe(100_000);
    expect(result.increasing).toBe(true);
    expect(result.decodedLocally).toHaveLength(3);
    expect(result.decodedLocally).toEqual(result.decodedByServer);
    expect(result.decodedLocally[0]).toMatchObject({ workerId: 77 });
    expect(result.bigintType).toBe("bigint");
    expect(result.generatorIds).toHaveLength(3);
    expect(result.layoutName).toBe("classic");
  });

  // The same plain-JavaScript consumer on the other runtimes the core and client promise, from the
  // binaries of the optional dependencies @oven/bun-linux-x64 and @deno/linux-x64-glibc.
  for (const [runtime, binary, args] of [
    ["Bun", "node_modules/@oven/bun-linux-x64/bin/bun", ["consumer.mjs"]],
    ["Deno", "node_modules/@deno/linux-x64-glibc/deno", ["run", "--allow-all", "consumer.mjs"]],
  ] as const) {
    it(`the same consumer runs on ${runtime}: unique, increasing IDs, decode matches /decode`, async () => {
      const result = await run(join(ROOT, binary), [...args, server.url], consumer);
      expect(result.stderr).not.toMatch(/error/i);
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(out).toMatchObject({ count: 100_000, unique: 100_000, increasing: true });
      expect(out.decodedLocally).toEqual(out.decodedByServer);
      expect(out.bigintType).toBe("bigint");
      expect(out.generatorIds).toHaveLength(3);
    });
  }

  it("in headless Chromium: the package's modules through an import map, IDs fetched cross-origin (CORS)", async () => {
    const site = await serveConsumer(consumer);
    const cors = await startAppServer({ WORKER_ID: "78", CORS_ORIGINS: site.origin });
    try {
      const { result, consoleErrors } = await runInChromium(site, "exercise.mjs", [
        cors.url,
        20_000,
      ]);
      expect(consoleErrors).toEqual([]);
      expect(result).toMatchObject({
        count: 20_000,
        unique: 20_000,
        increasing: true,
        bigintType: "bigint",
        layoutName: "classic",
      });
      const { decodedLocally, decodedByServer, generatorIds } = result as Record<string, unknown[]>;
      expect(decodedLocally).toHaveLength(3);
      expect(decodedLocally).toEqual(decodedByServer);
      expect(decodedLocally?.[0]).toMatchObject({ workerId: 78 });
      expect(generatorIds).toHaveLength(3);
    } finally {
      await cors.close();
      await site.close();
    }
  });

  it("a TypeScript consumer type-checks against the shipped .d.ts (and misuse does not)", async () => {
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const ok = await run(process.execPath, [tsc, "-p", "tsconfig.json"], consumer);
    expect(ok.stdout + ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    const bad = await run(process.execPath, [tsc, "-p", "tsconfig.misuse.json"], consumer);
    expect(bad.code).not.toBe(0);
    // A bigint client's IDs are not numbers, and a client needs urls.
    expect(bad.stdout).toMatch(
      /misuse\.ts\(\d+,\d+\): error TS2322: Type 'bigint' is not assignable to type 'number'/,
    );
    expect(bad.stdout).toMatch(
      /misuse\.ts\(\d+,\d+\): error TS2769: No overload matches this call/,
    );
  });

  it("the CLI runs through npx from the installed package", async () => {
    const [id] = (
      await runOk(
        "npx",
        ["--offline", "edgeflake", "generate", "--url", server.url, "--count", "3"],
        consumer,
      )
    )
      .trim()
      .split("\n");
    expect(id).toMatch(/^\d+$/);
    const decoded = JSON.parse(
      await runOk("npx", ["--offline", "edgeflake", "decode", id as string, "--json"], consumer),
    );
    const byServer = await (await fetch(`${server.url}/decode/${id}`)).json();
    expect(decoded).toEqual(byServer);
    const viaUrl = await runOk(
      "npx",
      ["--offline", "edgeflake", "decode", id as string, "--url", server.url],
      consumer,
    );
    expect(viaUrl).toMatch(/^workerId\s+77$/m);

    const bad = await run("npx", ["--offline", "edgeflake", "decode", "not-an-id"], consumer);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^edgeflake: "not-an-id" is not a decimal ID$/m);
    expect(bad.stderr).not.toMatch(/\n\s+at |\.js:\d+/);
    const unknown = await run("npx", ["--offline", "edgeflake", "frobnicate"], consumer);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"[\s\S]*usage:/);
  });
});
