// Every document the repository points at is in the repository: markdown links in the docs and
// `docs/….md#anchor` references in code and config resolve to a file and, with an anchor, to one
// of its headings (GitHub's heading slugs).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const TEXT_FILE = /\.(md|ts|yml|yaml|toml|json|sh)$|^\.ci\/run$|Dockerfile$/;

function trackedTextFiles(): string[] {
  const out = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" });
  return out
    .split("\n")
    .filter((path) => TEXT_FILE.test(path) && !path.endsWith("package-lock.json"))
    .filter((path) => existsSync(join(ROOT, path)));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(markdownPath: string): Set<string> {
  const text = readFileSync(join(ROOT, markdownPath), "utf8").replace(/^```[\s\S]*?^```/gm, "");
  const slugs = new Set<string>();
  for (const match of text.matchAll(/^#{1,6}\s+(.+)$/gm)) slugs.add(headingSlug(match[1] ?? ""));
  return slugs;
}

interface Reference {
  from: string;
  target: string;
  anchor: string | undefined;
}

/** Markdown links in .md files (relative ones), and `docs/<file>.md#<anchor>` mentions anywhere. */
function referencesIn(path: string): Reference[] {
  const text = readFileSync(join(ROOT, path), "utf8");
  const found: Reference[] = [];
  if (path.endsWith(".md")) {
    for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = match[1] ?? "";
      if (/^[a-z]+:/i.test(link)) continue;
      const [file = "", anchor] = link.split("#");
      const target = file === "" ? path : normalize(join(dirname(path), file));
      found.push({ from: path, target, anchor });
    }
  }
  for (const match of text.matchAll(/(?<![\w/.])(docs\/[\w./-]+\.md)(?:#([\w-]+))?/g)) {
    found.push({ from: path, target: match[1] ?? "", anchor: match[2] });
  }
  return found;
}

describe("document references", () => {
  const references = trackedTextFiles().flatMap(referencesIn);

  it("finds the references it checks (the scan itself works)", () => {
    expect(references.some((r) => r.target === "docs/ARCHITECTURE.md")).toBe(true);
    expect(references.some((r) => r.anchor === "fencing")).toBe(true);
  });

  it("every referenced file exists in the repository", () => {
    const missing = references.filter((r) => !existsSync(join(ROOT, r.target)));
    expect(missing.map((r) => `${r.from} -> ${r.target}`)).toEqual([]);
  });

  it("every anchor names a heading of its document", () => {
    const broken = references.filter(
      (r) =>
        r.anchor !== undefined &&
        r.target.endsWith(".md") &&
        existsSync(join(ROOT, r.target)) &&
        !anchorsOf(r.target).has(r.anchor),
    );
    expect(broken.map((r) => `${r.from} -> ${r.target}#${r.anchor}`)).toEqual([]);
  });

  it("slugs headings the way GitHub does", () => {
    expect(headingSlug("The generator")).toBe("the-generator");
    expect(headingSlug("Metrics from Workers and Lambda")).toBe("metrics-from-workers-and-lambda");
    expect(headingSlug("`/health` and issues")).toBe("health-and-issues");
  });
});
