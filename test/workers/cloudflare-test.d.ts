// The few `cloudflare:test` helpers these tests use (the plugin's own types need @cloudflare/workers-types).
declare module "cloudflare:test" {
  import type { ExecutionContext } from "hono";
  export const env: Record<string, unknown>;
  export function createExecutionContext(): ExecutionContext;
  export function waitOnExecutionContext(ctx: ExecutionContext): Promise<void>;
}
