// Conformance cases with HTTP faults: throttling and server errors become the typed, retryable
// LeaseStoreUnavailableError on every operation, and the store works again afterwards.
import { expect } from "vitest";
import { LeaseStoreUnavailableError } from "../../src/lease/errors.ts";
import type { LeaseStore } from "../../src/lease/store.ts";
import {
  acquireRequest,
  CLASSIC,
  type ConformanceCase,
  type Faults,
  hold,
  NOW,
} from "./support/conformance.ts";

type Operation = [string, (store: LeaseStore) => Promise<unknown>];

/** One call of each operation on a store that holds `workerId` (as `lease`). */
async function operations(a: LeaseStore, workerId: number): Promise<Operation[]> {
  const lease = await hold(a, acquireRequest(workerId, "A"));
  return [
    ["bind", (s) => s.bind(CLASSIC, NOW)],
    ["tryAcquire", (s) => s.tryAcquire(acquireRequest(workerId + 100, "A"))],
    ["renew", (s) => s.renew(lease, NOW + 1_200, NOW + 200)],
    ["release", (s) => s.release(lease, NOW + 300, NOW + 300)],
    ["get", (s) => s.get(workerId)],
    ["list", (s) => s.list()],
  ];
}

/** Each operation fails with a retryable typed error under `inject`, then succeeds. */
async function expectRetryable(
  a: LeaseStore,
  inject: (http: NonNullable<Faults["http"]>) => void,
  http: NonNullable<Faults["http"]>,
  detail: RegExp,
  workerId = 1,
): Promise<void> {
  for (const [name, call] of await operations(a, workerId)) {
    inject(http);
    const error = await call(a).then(
      () => new Error(`${name} succeeded under the fault`),
      (e: unknown) => e,
    );
    expect(error, name).toBeInstanceOf(LeaseStoreUnavailableError);
    expect(error, name).toMatchObject({ code: "LEASE_STORE_UNAVAILABLE", retryable: true });
    expect((error as Error).message, name).toMatch(detail);
    await call(a); // nothing changed: the same call succeeds once the fault is gone
  }
}

export const faultCases: ConformanceCase[] = [
  {
    name: "throttling is a retryable LeaseStoreUnavailableError on every operation",
    needsHttp: true,
    async run({ a, faults }) {
      const http = faults.http;
      if (!http) throw new Error("precondition: HTTP faults");
      await expectRetryable(a, (h) => h.throttleNext(1), http, /ProvisionedThroughputExceeded/);
    },
  },
  {
    name: "HTTP 500 and 503 are retryable LeaseStoreUnavailableErrors on every operation",
    needsHttp: true,
    async run({ a, faults }) {
      const http = faults.http;
      if (!http) throw new Error("precondition: HTTP faults");
      await expectRetryable(a, (h) => h.failNext(500), http, /InternalServerError/);
      await expectRetryable(a, (h) => h.failNext(503), http, /lease store unavailable/, 2);
    },
  },
];
