// The process harness (scripts/lib/process-harness.ts) on small `node -e` programs: log lines and
// waiters, output capture, SIGSTOP/SIGCONT, the process group going down together, incarnations.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  Instance,
  type ManagedProcess,
  type ProcessSpec,
  spawnProcess,
} from "../../scripts/lib/process-harness.ts";
import { waitFor } from "../../scripts/lib/wait-for.ts";

const node = (source: string, extra: Partial<ProcessSpec> = {}): ProcessSpec => ({
  command: process.execPath,
  args: ["-e", source],
  ...extra,
});
/** Prints its lines, then stays up until signalled. */
const printsThenWaits = (lines: string[]) =>
  `${lines.map((line) => `console.log(${JSON.stringify(line)});`).join("")} setInterval(() => {}, 1000);`;

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};
/** Process state letter from /proc: T = stopped. */
const state = (pid: number) => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];

const started: ManagedProcess[] = [];
const spawn = (spec: ProcessSpec) => {
  const managed = spawnProcess(spec);
  started.push(managed);
  return managed;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((managed) => managed.stop("SIGKILL")));
});

describe("process harness", () => {
  it("parses JSON log lines, keeps what `keep` accepts, and waits for past and future lines", async () => {
    const lines = ['{"msg":"noise"}', "not json", '{"msg":"lease","n":1}', '{"msg":"listening"}'];
    const managed = spawn(node(printsThenWaits(lines), { keep: (log) => log.msg !== "noise" }));
    const seen: unknown[] = [];
    managed.onLog((log) => seen.push(log.msg));
    expect(await managed.waitForLog((log) => log.msg === "listening")).toEqual({
      msg: "listening",
    });
    expect(managed.logs).toEqual([{ msg: "lease", n: 1 }, { msg: "listening" }]);
    expect(seen).toEqual(["noise", "lease", "listening"]);
    expect((await managed.waitForLine(/^not (\w+)$/))[1]).toBe("json");
    expect(await managed.waitForLog((log) => log.n === 1)).toEqual({ msg: "lease", n: 1 });
    expect(managed.stdout).toContain("not json");
    expect(managed.alive).toBe(true);
  });

  it("captures stderr, reports the exit code, and a waiter rejects when the process exits first", async () => {
    const managed = spawn(node('process.stderr.write("bad config\\n"); process.exit(3);'));
    await expect(managed.waitForLog(() => true)).rejects.toThrow(
      /exited with 3 first.*bad config/s,
    );
    expect(await managed.exited).toBe(3);
    expect(managed.stderr).toBe("bad config\n");
    expect(managed.output).toBe("bad config\n");
    expect(managed.alive).toBe(false);
  });

  it("keeps the latest `captureLimit` characters", async () => {
    const managed = spawn(node('console.log("a".repeat(5000) + "END")', { captureLimit: 100 }));
    await managed.exited;
    expect(managed.stdout.length).toBe(100);
    expect(managed.stdout.endsWith("END\n")).toBe(true);
  });

  it("pause stops the process (SIGSTOP) until resume (SIGCONT)", async () => {
    const managed = spawn(node(printsThenWaits(['{"msg":"up"}'])));
    await managed.waitForLog((log) => log.msg === "up");
    expect(managed.pause()).toBe(true);
    await waitFor("state T", async () => (state(managed.pid) === "T" ? true : undefined), 5_000);
    expect(managed.resume()).toBe(true);
    await waitFor("running", async () => (state(managed.pid) !== "T" ? true : undefined), 5_000);
  });

  it("stop signals the whole process group: a grandchild goes down with its parent", async () => {
    const grandchild = `require("node:child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" })`;
    const managed = spawn(
      node(`const c = ${grandchild}; console.log(JSON.stringify({ msg: "up", pid: c.pid }));
        process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);`),
    );
    const { pid } = (await managed.waitForLog((log) => log.msg === "up")) as { pid: number };
    expect(gone(pid)).toBe(false);
    // The parent ignores SIGTERM: after the grace period the group is SIGKILLed.
    expect(await managed.stop("SIGTERM", 200)).toBeNull();
    await waitFor("the grandchild to be gone", async () => (gone(pid) ? true : undefined), 5_000);
  });

  it("an instance restarts as new incarnations of the same spec", async () => {
    const instance = new Instance((n) =>
      spawn(node(printsThenWaits([JSON.stringify({ msg: "up", incarnation: n })]))),
    );
    const first = instance.start();
    expect((await first.waitForLog((log) => log.msg === "up")).incarnation).toBe(0);
    expect(() => instance.start()).toThrow(/still runs/);
    const second = await instance.restart("SIGKILL");
    expect(first.alive).toBe(false);
    expect((await second.waitForLog((log) => log.msg === "up")).incarnation).toBe(1);
    expect(instance.incarnations).toEqual([first, second]);
    expect(instance.current).toBe(second);
    expect(await instance.stop("SIGTERM")).toBeNull();
  });
});
