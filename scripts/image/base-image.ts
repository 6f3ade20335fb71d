// An offline stand-in for `node:24-slim`, which cannot be pulled here: Debian bookworm
// (`debootstrap --variant=minbase`), the project's pinned Node binary and the npm that runs this
// script, plus the `node` user (uid 1000), laid out as the official image lays them out.
// The debootstrap root file system is cached under .cache/image/ (gitignored), so a rerun imports
// in seconds; an image that already carries this exact Node and npm is reused as it is.
import {
  appendFileSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { oneLine, podman, runCommand } from "./podman.ts";

export const BASE_IMAGE = "node:24-slim";
const STAND_IN_LABEL = "org.edgeflake.stand-in";
const MIRROR = process.env.DEBIAN_MIRROR ?? "http://deb.debian.org/debian";

/** Where the pinned Node binary and npm come from, and what identifies the stand-in. */
interface Toolchain {
  nodeBinary: string;
  npmDir: string;
  id: string;
}

function toolchain(root: string): Toolchain {
  const require = createRequire(join(root, "package.json"));
  const nodeBinary = join(dirname(require.resolve("node/package.json")), "bin", "node");
  // npm sets npm_execpath for its scripts; outside npm, the npm on the PATH.
  const npmCli = process.env.npm_execpath ?? require.resolve("npm/bin/npm-cli.js");
  const npmDir = resolve(dirname(npmCli), "..");
  const npmVersion = JSON.parse(readFileSync(join(npmDir, "package.json"), "utf8")).version;
  return { nodeBinary, npmDir, id: `bookworm-minbase node-${process.version} npm-${npmVersion}` };
}

/** What happened: the base image is ready, or why it cannot be made here. */
export type BaseImage = { ready: true; how: string } | { ready: false; reason: string };

/** Makes sure `node:24-slim` exists in podman's storage (the real one or the stand-in). */
export async function ensureBaseImage(root: string): Promise<BaseImage> {
  const tools = toolchain(root);
  const inspect = await podman([
    "image",
    "inspect",
    BASE_IMAGE,
    "--format",
    `{{index .Labels "${STAND_IN_LABEL}"}}`,
  ]);
  if (inspect.code === 0) {
    const label = inspect.output.trim();
    if (label === tools.id) return { ready: true, how: `reused the stand-in (${label})` };
    if (label === "" || label === "<no value>")
      return { ready: true, how: `${BASE_IMAGE} is present (not a stand-in)` };
  }
  const cache = join(root, ".cache", "image");
  const rootfs = join(cache, "bookworm-minbase");
  let how = "reused the cached debootstrap root file system";
  if (!existsSync(join(rootfs, "etc", "debian_version"))) {
    const which = await runCommand("sh", ["-c", "command -v debootstrap"], 5_000);
    if (which.code !== 0)
      return { ready: false, reason: "debootstrap is not installed (apt-get install debootstrap)" };
    const partial = `${rootfs}.partial`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(cache, { recursive: true });
    const started = Date.now();
    const result = await runCommand(
      "debootstrap",
      ["--variant=minbase", "bookworm", partial, MIRROR],
      600_000,
    );
    if (result.code !== 0)
      return { ready: false, reason: `debootstrap failed: ${oneLine(result.output.slice(-600))}` };
    renameSync(partial, rootfs);
    how = `debootstrap bookworm in ${((Date.now() - started) / 1000).toFixed(0)} s`;
  }
  const stage = join(cache, "stage");
  rmSync(stage, { recursive: true, force: true });
  // cp -a: device nodes, owners and modes as debootstrap made them.
  const copied = await runCommand("cp", ["-a", rootfs, stage], 300_000);
  if (copied.code !== 0) return { ready: false, reason: `cp failed: ${oneLine(copied.output)}` };
  layOutNode(stage, tools);
  const imported = await runCommand(
    "sh",
    [
      "-c",
      `tar -C "$1" -cf - . | podman ${existsSync("/usr/sbin/runc") ? "--runtime /usr/sbin/runc " : ""}import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV NODE_VERSION=${process.version.slice(1)}' \
        --change 'LABEL ${STAND_IN_LABEL}="${tools.id}"' \
        --change 'CMD ["node"]' - ${BASE_IMAGE}`,
      "import",
      stage,
    ],
    300_000,
  );
  rmSync(stage, { recursive: true, force: true });
  if (imported.code !== 0)
    return { ready: false, reason: `podman import failed: ${oneLine(imported.output)}` };
  return { ready: true, how: `${how}; imported ${BASE_IMAGE} (${tools.id})` };
}

/** Node, npm and the `node` user where the official image has them; apt's caches dropped. */
function layOutNode(stage: string, tools: Toolchain): void {
  const bin = join(stage, "usr", "local", "bin");
  mkdirSync(bin, { recursive: true });
  cpSync(tools.nodeBinary, join(bin, "node"));
  const npmTarget = join(stage, "usr", "local", "lib", "node_modules", "npm");
  cpSync(tools.npmDir, npmTarget, { recursive: true, verbatimSymlinks: true });
  symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(bin, "npm"));
  symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(bin, "npx"));
  appendFileSync(join(stage, "etc", "passwd"), "node:x:1000:1000::/home/node:/bin/bash\n");
  appendFileSync(join(stage, "etc", "group"), "node:x:1000:\n");
  mkdirSync(join(stage, "home", "node"), { recursive: true });
  chownSync(join(stage, "home", "node"), 1000, 1000);
  for (const dir of ["var/cache/apt", "var/lib/apt/lists"]) {
    rmSync(join(stage, dir), { recursive: true, force: true });
    mkdirSync(join(stage, dir), { recursive: true });
  }
}
