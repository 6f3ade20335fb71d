// `npm start`, stopped by npm's PID (as a supervisor or `kill $!` does): the script execs Node, so
// npm's forwarded SIGTERM reaches the service itself, which shuts down cleanly and leaves no
// orphan behind (with `sh -c node ...`, sh swallowed the signal and Node ran on).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { freePort } from "../../scripts/lib/free-port.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** PIDs whose parent is `pid` (Linux /proc). */
function children(pid: number): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it("SIGTERM to npm start's PID stops the service: clean shutdown, no orphaned Node", async () => {
  const script = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts.start;
  expect(script).toMatch(/^exec node /);
  const port = await freePort();
  const npm = spawn("npm", ["start", "--silent"], {
    cwd: ROOT,
    env: {
      // The project's Node 24 first, as npm scripts see it.
      PATH: `${dirname(process.execPath)}:${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      WORKER_ID: "5",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  npm.stdout.on("data", (chunk) => (out += chunk));
  const exited = new Promise<number | null>((resolve) => npm.once("exit", (code) => resolve(code)));
  await expect
    .poll(() => out.includes('"msg":"listening"'), { timeout: 20_000, interval: 100 })
    .toBe(true);
  const [node] = children(npm.pid as number);
  expect(node).toBeDefined();
  expect(readFileSync(`/proc/${node}/cmdline`, "utf8")).toContain("src/targets/node.ts");

  npm.kill("SIGTERM");
  await exited;
  await expect.poll(() => alive(node as number), { timeout: 5_000, interval: 50 }).toBe(false);
  const lines = out
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });
  expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
}, 40_000);
