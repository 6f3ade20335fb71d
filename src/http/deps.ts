import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import type { Logger } from "../log.ts";
import type { Background, HealthIssue } from "../service-types.ts";

/** Everything `createApp` needs; each target builds these and nothing in `http/` knows the runtime. */
export interface AppDeps {
  generator: SnowflakeGenerator;
  clock: Clock;
  registry: Registry;
  logger: Logger;
  maxBatch: number;
  /** When set, /generate and /decode need `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>`. */
  metricsToken?: string;
  /** Runs before every issue: leasing acquires lazily or renews here (and may throw typed errors). */
  beforeIssue?: (background: Background) => Promise<void>;
  /** Extra health checks (leasing: no lease, lease about to lapse); null means healthy. */
  healthChecks?: ((nowMs: number) => HealthIssue | null)[];
}
