// The benchmarks write docs/BENCHMARKS.md only with --record (issue: runs rewrote the tracked file).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeSection } from "../bench/report.ts";

describe("bench/report.ts writeSection", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgeflake-bench-"));
  const file = join(dir, "BENCHMARKS.md");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("leaves the file alone without --record", () => {
    writeFileSync(file, "# Benchmarks\n");
    expect(writeSection("http", "| a |", ["node", "bench/http.ts"], file)).toBe(false);
    expect(readFileSync(file, "utf8")).toBe("# Benchmarks\n");
  });

  it("with --record, writes the section between its markers, replacing an older one", () => {
    expect(writeSection("http", "old", ["node", "bench/http.ts", "--record"], file)).toBe(true);
    expect(writeSection("http", "new", ["node", "bench/http.ts", "--record"], file)).toBe(true);
    expect(readFileSync(file, "utf8")).toBe(
      "# Benchmarks\n\n<!-- bench:http:start -->\nnew\n<!-- bench:http:end -->\n",
    );
  });
});
