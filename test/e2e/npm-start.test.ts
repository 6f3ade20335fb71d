// `npm start`, stopped by npm's PID (as a supervisor or `kill $!` does): the script execs Node, so
// npm's forwarded SIGTERM reaches the service itself, which shuts down cleanly and leaves no
// orphan behind (with `sh -c node ...`, sh swallowed the signal and Node ran on).
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { freePort } from "../../scripts/lib/free-port.ts";
import { spawnProcess } from "../../scripts/lib/process-harness.ts";

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
  // Not detached: the signal goes to npm's PID only, as a supervisor's would.
  const npm = spawnProcess({
    command: "npm",
    args: ["start", "--silent"],
    cwd: ROOT,
    env: {
      // The project's Node 24 first, as npm scripts see it.
      PATH: `${dirname(process.execPath)}:${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}`,
      PORT: String(port),
      HOST: "127.0.0.1",
      WORKER_ID: "5",
    },
    detached: false,
  });
  await npm.waitForLog((log) => log.msg === "listening", 20_000);
  const [node] = children(npm.pid);
  expect(node).toBeDefined();
  expect(readFileSync(`/proc/${node}/cmdline`, "utf8")).toContain("src/targets/node.ts");

  npm.signal("SIGTERM");
  await npm.exited;
  await expect.poll(() => alive(node as number), { timeout: 5_000, interval: 50 }).toBe(false);
  expect(npm.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down", "stopped"]));
}, 40_000);
