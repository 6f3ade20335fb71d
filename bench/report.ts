import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

const FILE = new URL("../docs/BENCHMARKS.md", import.meta.url);

/** One line naming the machine, so figures are never read without their context. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const memGiB = Math.round(totalmem() / 2 ** 30);
  return `${cpus().length} × ${cpu}, ${memGiB} GiB, Node ${process.version}, ${new Date().toISOString()}`;
}

/**
 * With `--record` on the command line, replaces the section between `<!-- bench:NAME -->` markers
 * in docs/BENCHMARKS.md (or appends it); without, only says so: a run never rewrites the tracked
 * file by accident. Returns whether it wrote.
 */
export function writeSection(
  name: string,
  markdown: string,
  argv: readonly string[] = process.argv,
  file: URL | string = FILE,
): boolean {
  if (!argv.includes("--record")) {
    console.log(
      `(not recorded: run with -- --record to write the ${name} section of docs/BENCHMARKS.md)`,
    );
    return false;
  }
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  let doc = "";
  try {
    doc = readFileSync(file, "utf8");
  } catch {
    doc = "# Benchmarks\n";
  }
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  doc =
    from >= 0 && to > from
      ? doc.slice(0, from) + block + doc.slice(to + end.length)
      : `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, doc);
  return true;
}

/** A markdown table from a header row and body rows. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
