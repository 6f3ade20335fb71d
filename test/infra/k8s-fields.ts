// Unknown-field check for Kubernetes manifests. kubernetes-models' validate() checks the types of
// the fields it knows but accepts any other key, so a misspelt `readinesProbe` would pass it (and
// be dropped by the API server). The models' declaration files list each object's fields; this
// walks a manifest along them and reports every key the schema does not have.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const MODELS_DIR = dirname(require.resolve("kubernetes-models/package.json"));
/** Where top-level kinds are declared: Kubernetes' own, then the Prometheus Operator's CRDs. */
const KIND_DIRS = [
  MODELS_DIR,
  dirname(require.resolve("@kubernetes-models/prometheus-operator/package.json")),
];

/** Fields of one interface: name -> the declaration file of its object type, or null for a leaf. */
type Fields = Map<string, string | null>;
const cache = new Map<string, Fields | null>();

/** The top-level chunks of `text` split at `separator` outside braces and angle brackets. */
function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "{" || char === "<") depth++;
    if (char === "}" || char === ">") depth--;
    if (char === separator && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  if (current.trim() !== "") parts.push(current);
  return parts;
}

/** Parses the first exported interface of a declaration file; null when it declares none. */
function fieldsOf(file: string): Fields | null {
  const cached = cache.get(file);
  if (cached !== undefined) return cached;
  const source = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
  const imports = new Map<string, string>();
  for (const m of source.matchAll(/import \{ (\w+) \} from "([^"]+)";/g)) {
    const [, name, from] = m;
    if (!name || !from) continue;
    // A bare specifier is a package name (scoped: two segments) and a path inside it.
    const segments = from.startsWith("@") ? 2 : 1;
    const packageJson = `${from.split("/").slice(0, segments).join("/")}/package.json`;
    const path = from.startsWith(".")
      ? join(dirname(file), from.replace(/\.js$/, ".d.ts"))
      : `${dirname(require.resolve(packageJson, { paths: [MODELS_DIR] }))}/${from.split("/").slice(segments).join("/")}.d.ts`;
    imports.set(name, path);
  }
  const start = /export interface \w+(?: extends [\w, ]+)? \{/.exec(source);
  if (!start) {
    cache.set(file, null);
    return null;
  }
  let depth = 0;
  let end = start.index + start[0].length - 1;
  for (; end < source.length; end++) {
    if (source[end] === "{") depth++;
    if (source[end] === "}" && --depth === 0) break;
  }
  const body = source.slice(start.index + start[0].length, end);
  const fields: Fields = new Map();
  for (const declaration of splitTopLevel(body, ";")) {
    const m = /^\s*"([^"]+)"\??:\s*([\s\S]+)$/.exec(declaration);
    if (!m?.[1] || !m[2]) continue;
    const type = m[2].trim().replace(/^Array<(\w+)>$/, "$1");
    const path = imports.get(type);
    fields.set(m[1], path && existsSync(path) ? path : null);
  }
  cache.set(file, fields);
  return fields;
}

/** The declaration file of a top-level kind, e.g. ("apps/v1", "Deployment"). */
function kindFile(apiVersion: string, kind: string): string {
  for (const dir of KIND_DIRS) {
    const file = join(dir, apiVersion, `${kind}.d.ts`);
    if (existsSync(file)) return file;
  }
  throw new Error(`no model for ${apiVersion} ${kind}`);
}

/** Every key path of `manifest` that its Kubernetes schema does not define. */
export function unknownFields(manifest: { apiVersion: string; kind: string }): string[] {
  const unknown: string[] = [];
  const walk = (value: unknown, file: string, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(item, file, `${path}[${i}]`);
      });
      return;
    }
    if (typeof value !== "object" || value === null) return;
    const fields = fieldsOf(file);
    if (!fields) return;
    for (const [key, child] of Object.entries(value)) {
      if (!fields.has(key)) {
        unknown.push(`${path}.${key}`);
        continue;
      }
      const childFile = fields.get(key);
      if (childFile) walk(child, childFile, `${path}.${key}`);
    }
  };
  walk(manifest, kindFile(manifest.apiVersion, manifest.kind), manifest.kind);
  return unknown;
}
