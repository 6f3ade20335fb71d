// One log shape on every runtime: Node's pino (with pinoOptions) and the console logger of Workers
// and Lambda write the same keys, in the same order, with the level as its label.
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { pinoOptions } from "../../src/log.ts";
import { consoleLogger } from "../../src/targets/console-logger.ts";

type Line = Record<string, unknown>;

function pinoLines(level: "info" | "warn"): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(text));
      done();
    },
  });
  const logger = pino(pinoOptions(level, { service: "edgeflake", runtime: "node" }), sink);
  return { logger, lines };
}

function consoleLines(
  level: "info" | "warn",
  runtime: string,
): { logger: ReturnType<typeof consoleLogger>; lines: Line[] } {
  const lines: Line[] = [];
  const capture = (text: unknown) => lines.push(JSON.parse(String(text)));
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation(capture);
  }
  return { logger: consoleLogger(level, { service: "edgeflake", runtime }), lines };
}

describe("log shape", () => {
  afterEach(() => vi.restoreAllMocks());

  it("Node (pino) and Workers/Lambda (console) write the same keys with string levels", () => {
    const node = pinoLines("info");
    const workers = consoleLines("info", "workers");
    for (const { logger } of [node, workers]) {
      logger.info({ workerId: 7, requestId: "r-1" }, "lease acquired");
      logger.warn({ code: "LEASE_EXPIRED" }, "cannot issue");
      logger.error({ err: "boom" }, "unexpected error");
    }
    expect(node.lines.map((l) => l.level)).toEqual(["info", "warn", "error"]);
    expect(workers.lines.map((l) => l.level)).toEqual(["info", "warn", "error"]);
    for (const [i, line] of node.lines.entries()) {
      const other = workers.lines[i] as Line;
      expect(Object.keys(line)).toEqual(Object.keys(other));
      expect(typeof line.time).toBe("number");
      expect(typeof other.time).toBe("number");
      expect({ ...line, time: 0, runtime: "" }).toEqual({ ...other, time: 0, runtime: "" });
    }
    expect(node.lines[0]).toMatchObject({ service: "edgeflake", runtime: "node", workerId: 7 });
    expect(node.lines[0]).not.toHaveProperty("pid");
  });

  it("both drop entries below their level", () => {
    const node = pinoLines("warn");
    const lambda = consoleLines("warn", "lambda");
    for (const { logger } of [node, lambda]) {
      logger.info({}, "dropped");
      logger.warn({}, "kept");
    }
    expect(node.lines.map((l) => l.msg)).toEqual(["kept"]);
    expect(lambda.lines.map((l) => l.msg)).toEqual(["kept"]);
  });
});
