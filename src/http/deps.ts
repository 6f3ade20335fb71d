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
  /** Runs before /health answers (lazy leasing reads the namespace binding; it never leases). */
  beforeHealth?: (background: Background) => Promise<void>;
  /** Extra health checks (leasing: no lease, lease about to lapse); null means healthy. */
  healthChecks?: ((nowMs: number) => HealthIssue | null)[];
  /**
   * Lazy leasing: a generator without a worker ID is no issue by itself (an isolate leases on its
   * first request that issues); the health checks alone decide.
   */
  leaseOnDemand?: boolean;
  /** Extra fields of /health's JSON (leasing: `lease: { state, workerIds }`). */
  healthFacts?: (nowMs: number) => Record<string, unknown>;
  /**
   * /readyz: reasons not to send this instance traffic now (leasing: no lease, or about to lapse);
   * null means ready. None (static `WORKER_ID`): always ready. They must not touch the store.
   */
  readinessChecks?: ((nowMs: number) => HealthIssue | null)[];
  /**
   * Where a batch answer's body is written: a buffer of at least `bytes`, given the runtime's
   * `env` of the request (Hono's `c.env`). Default: a new one. The Node target lends reused buffers
   * back once their response has closed (targets/body-pool.ts).
   */
  bodyBuffer?: (bytes: number, env: unknown) => Uint8Array;
}
