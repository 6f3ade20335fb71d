// Podman as this machine runs it: Debian's runc (crun fails on this kernel's cgroup setup) and
// ulimits no higher than the current ones (raising limits is not permitted here).
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";

const RUNC = "/usr/sbin/runc";

/** Global options for every podman command. */
export function podmanGlobalArgs(): string[] {
  return existsSync(RUNC) ? ["--runtime", RUNC] : [];
}

/** Limits for `podman build` and `podman run`: the defaults would ask for more than allowed. */
export const ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

/** The outcome of one command: exit code and combined output. */
export interface Result {
  code: number;
  output: string;
}

/** Runs podman (asynchronously, so servers in this process keep answering meanwhile). */
export function podman(args: string[], timeoutMs = 120_000): Promise<Result> {
  return runCommand("podman", [...podmanGlobalArgs(), ...args], timeoutMs);
}

/** Runs a command; never throws, the caller decides what a non-zero code means. */
export function runCommand(command: string, args: string[], timeoutMs: number): Promise<Result> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!error) return done({ code: 0, output });
        const code = typeof error.code === "number" ? error.code : 1;
        done({ code, output: output || error.message });
      },
    );
  });
}

/** Runs podman with its output streamed to this process's (long builds show progress). */
export function podmanStreamed(args: string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn("podman", [...podmanGlobalArgs(), ...args], { stdio: "inherit" });
    child.on("error", () => done(1));
    child.on("exit", (code) => done(code ?? 1));
  });
}

/** Why podman cannot run containers here, or undefined when it can. */
export async function podmanUnavailable(): Promise<string | undefined> {
  const which = await runCommand("sh", ["-c", "command -v podman"], 5_000);
  if (which.code !== 0) return "podman is not installed (apt-get install podman runc)";
  if (!existsSync(RUNC)) return `${RUNC} is missing (apt-get install runc)`;
  const info = await podman(["info", "--format", "{{.Host.OCIRuntime.Name}}"], 30_000);
  if (info.code !== 0) return `podman info failed: ${oneLine(info.output)}`;
  return undefined;
}

/** A command's output folded onto one short line, for reasons and error messages. */
export function oneLine(output: string): string {
  return output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .join(" | ")
    .slice(0, 300);
}
