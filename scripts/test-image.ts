// `npm run test:image`: builds the Dockerfile with podman and runs the image the way production
// does. It checks that the image
//   - builds (npm's configuration and CA file passed as build secrets, on a node:24-slim stand-in);
//   - creates the lease table from inside a container (`npm run table:create`, as compose does);
//   - serves /generate on a read-only root file system, as uid 1000, leasing its worker ID from a
//     DynamoDB-compatible server on the host (dynalite on a loopback port, `--network host`);
//   - passes its own HEALTHCHECK command;
//   - exits 0 within 5 s of SIGTERM, releasing its lease.
// Where podman cannot run it prints "test:image skipped: <reason>" and exits 0.
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DescribeTableCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { createDynamoDbClient } from "../src/lease/dynamodb-client.ts";
import { BASE_IMAGE, ensureBaseImage } from "./image/base-image.ts";
import {
  oneLine,
  podman,
  podmanStreamed,
  podmanUnavailable,
  runCommand,
  ULIMITS,
} from "./image/podman.ts";
import { freePort } from "./lib/free-port.ts";
import { waitFor } from "./lib/wait-for.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const IMAGE = "edgeflake:image-test";
const TABLE = "edgeflake-leases";
const NAMESPACE = "image-test";
const started = Date.now();
let checks = 0;

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function ok(what: string): void {
  checks++;
  console.log(`ok ${checks} - ${what}`);
}

class CheckFailed extends Error {}

function check(condition: boolean, what: string, detail = ""): void {
  if (!condition) throw new CheckFailed(`${what}${detail ? `\n${detail}` : ""}`);
  ok(what);
}

/**
 * The machine's npm configuration as one user config for the build secret `npmrc`, and its CA file
 * for `npm_ca`. Host paths (cafile, prefix, cache...) are dropped; cafile points at the secret.
 */
async function npmSecrets(dir: string): Promise<string[]> {
  const get = async (key: string) => {
    const result = await runCommand("npm", ["config", "get", key], 30_000);
    const value = result.output.trim();
    return result.code === 0 && value !== "null" && value !== "undefined" && value !== ""
      ? value
      : undefined;
  };
  const files = [await get("globalconfig"), "/etc/npmrc", await get("userconfig")];
  const lines: string[] = [];
  let cafile = await get("cafile");
  for (const file of new Set(files)) {
    if (!file || !existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const key = line.split("=")[0]?.trim() ?? "";
      if (key === "cafile") cafile ??= line.slice(line.indexOf("=") + 1).trim();
      if (
        ["cafile", "ca", "prefix", "cache", "nodedir", "globalconfig", "userconfig"].includes(key)
      )
        continue;
      lines.push(line);
    }
  }
  cafile ??= process.env.NODE_EXTRA_CA_CERTS;
  const args: string[] = [];
  if (cafile && existsSync(cafile)) {
    lines.push("cafile=/run/secrets/npm_ca");
    args.push("--secret", `id=npm_ca,src=${cafile}`);
  }
  const npmrc = join(dir, "npmrc");
  writeFileSync(npmrc, `${lines.join("\n")}\n`, { mode: 0o600 });
  args.push("--secret", `id=npmrc,src=${npmrc}`);
  return args;
}

async function main(): Promise<number> {
  const unavailable = await podmanUnavailable();
  if (unavailable) {
    console.log(`test:image skipped: ${unavailable}`);
    return 0;
  }
  const baseStarted = Date.now();
  const base = await ensureBaseImage(ROOT);
  if (!base.ready) {
    console.log(`test:image skipped: cannot provide ${BASE_IMAGE}: ${base.reason}`);
    return 0;
  }
  console.log(`test:image: ${BASE_IMAGE}: ${base.how} (${seconds(baseStarted)})`);
  const smoke = await podman([
    "run",
    "--rm",
    ...ULIMITS,
    "--network",
    "host",
    BASE_IMAGE,
    "node",
    "-e",
    "0",
  ]);
  if (smoke.code !== 0) {
    console.log(`test:image skipped: podman cannot run a container here: ${oneLine(smoke.output)}`);
    return 0;
  }

  const secretsDir = mkdtempSync(join(tmpdir(), "edgeflake-image-"));
  const container = `edgeflake-image-test-${randomUUID().slice(0, 8)}`;
  let dynamodb: Server | undefined;
  try {
    const buildStarted = Date.now();
    const build = await podmanStreamed([
      "build",
      "--format",
      "docker", // OCI images drop HEALTHCHECK
      "--pull=never",
      "--network",
      "host",
      ...ULIMITS,
      ...(await npmSecrets(secretsDir)),
      "-t",
      IMAGE,
      ROOT,
    ]);
    check(build === 0, `the Dockerfile builds (${seconds(buildStarted)})`);
    rmSync(secretsDir, { recursive: true, force: true });

    // podman keeps the HEALTHCHECK beside the OCI config, not in it.
    const inspect = await podman(["image", "inspect", IMAGE]);
    const [image] = JSON.parse(inspect.output) as {
      Config: { User?: string; Cmd?: string[] };
      Healthcheck?: { Test?: string[] };
    }[];
    const config = image?.Config ?? {};
    const imageHealthcheck = image?.Healthcheck;
    check(config.User === "1000:1000", `the image runs as 1000:1000 (${config.User})`);
    check(
      JSON.stringify(config.Cmd) === JSON.stringify(["node", "src/targets/node.ts"]),
      `CMD is node src/targets/node.ts (${JSON.stringify(config.Cmd)})`,
    );
    check(
      imageHealthcheck?.Test?.[0] === "CMD" && imageHealthcheck.Test[1] === "node",
      "the image carries the HEALTHCHECK (exec form, node)",
      JSON.stringify(imageHealthcheck),
    );

    const db = dynalite({ createTableMs: 0 });
    dynamodb = db;
    await new Promise<void>((done) => db.listen(0, "127.0.0.1", done));
    const endpoint = `http://127.0.0.1:${(db.address() as AddressInfo).port}`;
    const env = [
      `LEASE_TABLE=${TABLE}`,
      `DYNAMODB_ENDPOINT=${endpoint}`,
      "AWS_REGION=us-east-1",
      "AWS_ACCESS_KEY_ID=local",
      "AWS_SECRET_ACCESS_KEY=local",
    ].flatMap((e) => ["-e", e]);
    const client = createDynamoDbClient({
      region: "us-east-1",
      endpoint,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });

    const tableCreate = await podman([
      "run",
      "--rm",
      "--network",
      "host",
      ...ULIMITS,
      ...env,
      IMAGE,
      "npm",
      "run",
      "table:create",
    ]);
    const table = await client
      .send(new DescribeTableCommand({ TableName: TABLE }))
      .catch(() => undefined);
    check(
      tableCreate.code === 0 && table?.Table?.TableStatus === "ACTIVE",
      "npm run table:create in a container creates the lease table on the host's server",
      tableCreate.output,
    );

    const port = await freePort();
    const run = await podman([
      "run",
      "-d",
      "--name",
      container,
      "--read-only",
      "--network",
      "host",
      ...ULIMITS,
      ...env,
      "-e",
      `PORT=${port}`,
      "-e",
      "HOST=127.0.0.1",
      "-e",
      `LEASE_NAMESPACE=${NAMESPACE}`,
      IMAGE,
    ]);
    check(run.code === 0, "the server container starts read-only", run.output);
    const logs = async () => (await podman(["logs", container])).output;
    const url = `http://127.0.0.1:${port}`;
    const health = await waitFor(
      "/health to answer 200",
      async () => ((await fetch(`${url}/health`)).status === 200 ? true : undefined),
      30_000,
    ).catch(async (error) => {
      throw new CheckFailed(`${(error as Error).message}\n${await logs()}`);
    });
    check(health, "GET /health answers 200");
    for (const probe of ["/livez", "/readyz"]) {
      const status = (await fetch(`${url}${probe}`)).status;
      check(status === 200, `GET ${probe} (the Kubernetes probes' path) answers 200 (${status})`);
    }

    const generated = await fetch(`${url}/generate`);
    const body = (await generated.json()) as { id?: unknown };
    check(
      generated.status === 200 && typeof body.id === "string" && /^\d+$/.test(body.id),
      `GET /generate answers an ID (${JSON.stringify(body)})`,
    );

    const status = await podman(["exec", container, "cat", "/proc/1/status"]);
    const uid = /^Uid:\s+(\d+)\s+(\d+)/m.exec(status.output);
    check(
      uid?.[1] === "1000" && uid[2] === "1000",
      `Node (PID 1) runs as uid 1000 (${uid?.[0] ?? status.output})`,
    );
    const write = await podman([
      "exec",
      container,
      "node",
      "-e",
      "require('node:fs').writeFileSync('/app/probe', 'x')",
    ]);
    check(
      write.code !== 0 && /EROFS|read-only file system/i.test(write.output),
      "the root file system is read-only (writing /app fails with EROFS)",
      write.output,
    );

    const scan = await client.send(new ScanCommand({ TableName: TABLE }));
    const leases = (scan.Items ?? []).filter(
      (item) => item.pk?.S === NAMESPACE && item.sk?.S?.startsWith("worker#"),
    );
    const expiresAt = Number(leases[0]?.expiresAt?.N ?? 0);
    check(
      leases.length === 1 && expiresAt > Date.now(),
      `the container holds a lease in the host's table (${leases[0]?.sk?.S ?? "none"})`,
      JSON.stringify(scan.Items),
    );

    const healthcheck = await podman(["healthcheck", "run", container]);
    check(
      healthcheck.code === 0,
      "podman healthcheck run (the image's HEALTHCHECK) passes",
      healthcheck.output,
    );

    const stopStarted = Date.now();
    await podman(["stop", "--time", "10", container]);
    const stopMs = Date.now() - stopStarted;
    const exit = await podman(["inspect", container, "--format", "{{.State.ExitCode}}"]);
    const output = await logs();
    check(
      exit.output.trim() === "0" && stopMs < 5_000,
      `exits 0 on SIGTERM, in ${(stopMs / 1000).toFixed(1)} s`,
      `exit code ${exit.output.trim()}\n${output}`,
    );
    check(/released worker-ID lease/.test(output), "releases its lease on SIGTERM", output);
    console.log(`test:image passed: ${checks} checks in ${seconds(started)}`);
    return 0;
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error;
    console.log(`not ok ${checks + 1} - ${error.message}`);
    console.log(`test:image FAILED after ${seconds(started)}`);
    return 1;
  } finally {
    rmSync(secretsDir, { recursive: true, force: true });
    await podman(["rm", "-f", "--time", "0", container]);
    await new Promise<void>((done) => (dynamodb ? dynamodb.close(() => done()) : done()));
  }
}

process.exitCode = await main();
