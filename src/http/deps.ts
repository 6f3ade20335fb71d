import type { Registry } from "prom-client";
import type { Clock } from "../core/clock.ts";
import type { SnowflakeGenerator } from "../core/generator.ts";
import type { Logger } from "../log.ts";
import type { Background, HealthIssue } from "../service-types.ts";
import type { CorsOrigins } from "./cors.ts";

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
  /** `CORS_ORIGINS`: when set, the ID routes answer preflights and carry CORS headers. */
  corsOrigins?: CorsOrigins;
  /** Runs before every issue: leasing acquires lazily or renews here (and may throw typed errors). */
  beforeIssue?: (background: Background) => Promise<void>;
  /** Runs before /health answers (lazy leasing acquires, so a fresh instance is not reported idle). */
  beforeHealth?: (background: Background) => Promise<void>;
  /** Extra health checks (leasing: no lease, lease about to lapse); null means healthy. */
  healthChecks?: ((nowMs: number) => HealthIssue | null)[];
  /**
   * /readyz: reasons not to send this instance traffic now (leasing: no lease, or about to lapse);
   * null means ready. None (static `WORKER_ID`): always ready. They must not touch the store.
   */
  readinessChecks?: ((nowMs: number) => HealthIssue | null)[];
}
