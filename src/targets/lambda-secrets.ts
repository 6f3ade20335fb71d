// The Lambda target's secrets come from SSM Parameter Store at init, never from the environment
// the template carries: serverless.yml names the parameters (AUTH_TOKEN_PARAMETER, ...) and grants
// ssm:GetParameter on exactly those, so no token is in the CloudFormation template or the state.
import type { SSMClient, SSMClientConfig } from "@aws-sdk/client-ssm";
import { ConfigError } from "../config.ts";
import { SECRET_PARAMETERS, VARIABLES } from "../config-variables.ts";

/** Reads one SecureString parameter's decrypted value. */
export type ParameterReader = (name: string) => Promise<string>;

export interface SsmReaderOptions {
  region?: string;
  /** Tests only: a local fake of the SSM API; unset means the region's AWS endpoint. */
  endpoint?: string;
  credentials?: SSMClientConfig["credentials"];
}

/**
 * A reader over the AWS SDK's SSM client (credentials from the Lambda role by default). The SDK
 * module is loaded on the first read: functions without a `*_PARAMETER` never evaluate it.
 */
export function ssmParameterReader(options: SsmReaderOptions = {}): ParameterReader {
  const config: SSMClientConfig = {
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  };
  if (options.region) config.region = options.region;
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.credentials) config.credentials = options.credentials;
  let sdk: Promise<{ client: SSMClient; sdk: typeof import("@aws-sdk/client-ssm") }> | undefined;
  return async (name) => {
    sdk ??= import("@aws-sdk/client-ssm").then((m) => ({
      client: new m.SSMClient(config),
      sdk: m,
    }));
    const { client, sdk: ssm } = await sdk;
    const command = new ssm.GetParameterCommand({ Name: name, WithDecryption: true });
    const value = (await client.send(command)).Parameter?.Value;
    if (value === undefined) throw new Error(`parameter ${name} has no value`);
    return value;
  };
}

/** A parameter could not be read: the service must not start without its secret (it would be open). */
export class SecretsUnavailableError extends Error {
  constructor(parameter: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.name : "error";
    super(`cannot read SSM parameter ${parameter} (${reason})`, { cause });
    this.name = "SecretsUnavailableError";
  }
}

/**
 * The environment with each `*_PARAMETER` replaced by the secret it names. A bad parameter name, or
 * a secret set both directly and by parameter, is a `ConfigError`; a failed read is a
 * `SecretsUnavailableError` (the next invocation tries again).
 */
export async function resolveSecrets(
  env: Record<string, unknown>,
  read: ParameterReader,
): Promise<Record<string, unknown>> {
  const resolved: Record<string, unknown> = { ...env };
  const wanted: [secret: string, parameter: string, name: string][] = [];
  const problems: { variables: string[]; line: string }[] = [];
  for (const [secret, parameter] of SECRET_PARAMETERS) {
    const name = typeof env[parameter] === "string" ? (env[parameter] as string).trim() : "";
    delete resolved[parameter];
    if (name === "") continue;
    const accepted = VARIABLES[parameter].accepted;
    if (!VARIABLES[parameter].schema.safeParse(name).success) {
      const line = `${parameter}=${JSON.stringify(name.slice(0, 80))}: not an SSM parameter path (accepted: ${accepted})`;
      problems.push({ variables: [parameter], line });
    } else if (typeof env[secret] === "string" && env[secret].trim() !== "") {
      problems.push({
        variables: [secret, parameter],
        line: `${secret}=<redacted> and ${parameter}=${JSON.stringify(name)}: set one, not both`,
      });
    } else {
      wanted.push([secret, parameter, name]);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Every read settles before init goes on (no request left in flight); the first failure wins.
  const reads = await Promise.allSettled(wanted.map(([, , name]) => read(name)));
  for (const [i, result] of reads.entries()) {
    const [secret, parameter, name] = wanted[i] as (typeof wanted)[number];
    if (result.status === "rejected") {
      throw new SecretsUnavailableError(`${name} (${parameter})`, result.reason);
    }
    resolved[secret] = result.value;
  }
  return resolved;
}
