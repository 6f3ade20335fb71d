// Readers for the deployment files the cross-check tests compare: the Dockerfile, .dockerignore
// and the app's configuration surface (variable names in src/config-variables.ts, defaults in
// src/config.ts).
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { VARIABLES } from "../../src/config-variables.ts";
import { readRepoFile, repoPath } from "./support.ts";

/** One Dockerfile instruction: keyword, raw argument text, and the stage it belongs to. */
export interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** Parses a Dockerfile into instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (current === "" && /^\s*#/.test(line)) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== "") logical.push(current.trim());
    current = "";
  }
  let stage = -1;
  return logical.map((line) => {
    const space = line.search(/\s/);
    const keyword = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    if (keyword === "FROM") stage++;
    return { keyword, args: space < 0 ? "" : line.slice(space).trim(), stage };
  });
}

/** The Dockerfile's instructions. */
export function dockerfile(): Instruction[] {
  return parseDockerfile(readRepoFile("Dockerfile"));
}

/** The exec-form JSON array of CMD or HEALTHCHECK (after its options and `CMD`). */
export function execForm(args: string): string[] {
  const start = args.indexOf("[");
  if (start < 0) throw new Error(`not exec form: ${args}`);
  const parsed: unknown = JSON.parse(args.slice(start));
  if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === "string"))
    throw new Error(`bad exec form: ${args}`);
  return parsed;
}

/**
 * Whether .dockerignore lets `path` into the build context (Docker's rules: the last matching
 * pattern wins; a pattern matching a parent folder matches the path; `!` re-includes).
 */
export function inBuildContext(path: string, dockerignore: string): boolean {
  const patterns = dockerignore
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const parts = path.replace(/^\.\//, "").replace(/\/$/, "").split("/");
  let included = true;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const body = (negated ? pattern.slice(1) : pattern).replace(/^\//, "");
    const regex = new RegExp(
      `^${body
        .split("/")
        .map((seg) =>
          seg === "**"
            ? ".*"
            : seg
                .replace(/[.+^${}()|[\]\\]/g, "\\$&")
                .replace(/\*/g, "[^/]*")
                .replace(/\?/g, "[^/]"),
        )
        .join("/")}$`,
    );
    for (let i = 1; i <= parts.length; i++) {
      if (regex.test(parts.slice(0, i).join("/"))) {
        included = negated;
        break;
      }
    }
  }
  return included;
}

/** The environment variable names the config reads (the table in src/config-variables.ts). */
export function configVariables(): Set<string> {
  const names = Object.keys(VARIABLES);
  if (names.length === 0) throw new Error("no variables found in src/config-variables.ts");
  return new Set(names);
}

/** The default port in src/config.ts (`port: env.PORT ?? 8080`). */
export function defaultPort(): number {
  const match = /port:\s*env\.PORT\s*\?\?\s*(\d+)/.exec(readRepoFile("src/config.ts"));
  if (!match?.[1]) throw new Error("no default port found in src/config.ts");
  return Number(match[1]);
}

/** Variables the AWS SDK or Node read themselves; allowed besides the app's own. */
export const PLATFORM_VARIABLES = new Set([
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "NODE_ENV",
  "NODE_OPTIONS",
]);

/**
 * Every file and bare module an entry loads at run time, following relative imports (type-only
 * imports are erased by Node's type stripping, so they are skipped).
 */
export function runtimeImports(entries: string[]): { files: Set<string>; modules: Set<string> } {
  const files = new Set<string>();
  const modules = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop() ?? "";
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith(".ts")) continue;
    const source = readRepoFile(file);
    const specifiers = [
      ...source.matchAll(
        /^\s*(?:import|export)\s+(?!type\b)(?:[^"';]*?\sfrom\s+)?["']([^"']+)["']/gm,
      ),
      ...source.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g),
    ].map((m) => m[1] ?? "");
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        const target = relative(repoPath(), join(dirname(repoPath(file)), specifier));
        if (!existsSync(repoPath(target))) throw new Error(`${file}: ${specifier} does not exist`);
        queue.push(target);
      } else if (!specifier.startsWith("node:")) {
        const parts = specifier.split("/");
        modules.add(specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? ""));
      }
    }
  }
  return { files, modules };
}
