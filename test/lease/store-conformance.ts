// One conformance suite for every LeaseStore: each case states a guarantee the leaser relies on
// (src/lease/store.ts). Run by store-conformance.test.ts against the in-memory store, dynalite
// and DynamoDB Local, and against a deliberately broken store that it must reject.
import { expect } from "vitest";
import { LeaseLostError, NamespaceMismatchError } from "../../src/lease/errors.ts";
import { parseWorkerIds } from "../../src/lease/worker-range.ts";
import { concurrencyCases } from "./store-conformance-concurrency.ts";
import { faultCases } from "./store-conformance-faults.ts";
import { acquireRequest, CLASSIC, type ConformanceCase, hold, NOW } from "./support/conformance.ts";

const basicCases: ConformanceCase[] = [
  {
    name: "bind records the first binding, accepts it again and refuses another layout or epoch, naming the bound one",
    async run({ a, b, other }) {
      await a.bind(CLASSIC, NOW);
      await b.bind(CLASSIC, NOW + 1);
      const mismatch = b.bind({ layout: "sonyflake", epochMs: CLASSIC.epochMs }, NOW);
      await expect(mismatch).rejects.toBeInstanceOf(NamespaceMismatchError);
      await expect(mismatch).rejects.toThrow(/bound to layout classic with epoch 2025-01-01/);
      await expect(
        b.bind({ layout: "classic", epochMs: CLASSIC.epochMs + 1 }, NOW),
      ).rejects.toMatchObject({ code: "NAMESPACE_MISMATCH" });
      await other.bind({ layout: "sonyflake", epochMs: 0 }, NOW); // namespaces are independent
      await a.bind(CLASSIC, NOW + 2);
    },
  },
  {
    name: "acquire on a free item: version 1, no previous expiry, holder recorded",
    async run({ a, b }) {
      expect(await a.tryAcquire(acquireRequest(5, "A"))).toEqual({
        lease: { workerId: 5, owner: "A", expiresAt: NOW + 1_000, version: 1 },
        previousExpiresAt: undefined,
      });
      expect(await b.get(5)).toMatchObject({
        ...{ workerId: 5, owner: "A", expiresAt: NOW + 1_000, version: 1 },
        ...{ host: "test-host", runtime: "test", acquiredAt: NOW },
      });
    },
  },
  {
    name: "acquire on a live item is refused and leaves the item unchanged",
    async run({ a, b }) {
      await hold(a, acquireRequest(5, "A"));
      expect(await b.tryAcquire(acquireRequest(5, "B", NOW + 999))).toBeUndefined();
      expect(await a.get(5)).toMatchObject({ owner: "A", expiresAt: NOW + 1_000, version: 1 });
    },
  },
  {
    name: "acquire on an expired item (expiresAt <= now) takes it over and returns the previous expiry",
    async run({ a, b }) {
      await hold(a, acquireRequest(5, "A"));
      expect(await b.tryAcquire(acquireRequest(5, "B", NOW + 1_000))).toEqual({
        lease: { workerId: 5, owner: "B", expiresAt: NOW + 2_000, version: 2 },
        previousExpiresAt: NOW + 1_000,
      });
      expect(await a.get(5)).toMatchObject({ owner: "B", version: 2, acquiredAt: NOW + 1_000 });
    },
  },
  {
    name: "renew with the right owner and version moves expiresAt forward, never back",
    async run({ a, b }) {
      const lease = await hold(a, acquireRequest(1, "A"));
      const renewed = await a.renew(lease, NOW + 1_300, NOW + 300);
      expect(renewed).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1_300, version: 2 });
      const lower = await a.renew(renewed, NOW + 1_100, NOW + 400);
      expect(lower).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1_300, version: 3 });
      expect(await b.get(1)).toMatchObject({ owner: "A", expiresAt: NOW + 1_300, version: 3 });
    },
  },
  {
    name: "renew or release with the wrong owner throws LeaseLostError and leaves the item unchanged",
    async run({ a, b }) {
      const lease = await hold(a, acquireRequest(1, "A"));
      const impostor = { ...lease, owner: "B" };
      await expect(b.renew(impostor, NOW + 5_000, NOW + 100)).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await expect(b.release(impostor, NOW + 100, NOW + 100)).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      await expect(b.renew({ ...lease, workerId: 2 }, NOW + 5_000, NOW)).rejects.toBeInstanceOf(
        LeaseLostError,
      ); // never acquired
      expect(await a.get(1)).toMatchObject({ owner: "A", expiresAt: NOW + 1_000, version: 1 });
    },
  },
  {
    name: "renew with a stale version of the same owner adopts its own earlier write",
    async run({ a }) {
      const lease = await hold(a, acquireRequest(1, "A"));
      await a.renew(lease, NOW + 1_300, NOW + 300); // version 2; the holder kept version 1
      const adopted = await a.renew(lease, NOW + 1_600, NOW + 600);
      expect(adopted).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1_600, version: 3 });
    },
  },
  {
    name: "after a takeover, renew and release with the old lease throw LeaseLostError",
    async run({ a, b }) {
      const lease = await hold(a, acquireRequest(1, "A"));
      await hold(b, acquireRequest(1, "B", NOW + 1_000));
      await expect(a.renew(lease, NOW + 2_000, NOW + 1_100)).rejects.toBeInstanceOf(LeaseLostError);
      await expect(a.release(lease, NOW + 1_100, NOW + 1_100)).rejects.toBeInstanceOf(
        LeaseLostError,
      );
      expect(await a.get(1)).toMatchObject({ owner: "B", expiresAt: NOW + 2_000, version: 2 });
    },
  },
  {
    name: "a lost renewal answer: the write landed, and renewing again with the old lease adopts it",
    async run({ a, b, faults }) {
      const lease = await hold(a, acquireRequest(1, "A"));
      faults.loseNextAnswer();
      await expect(a.renew(lease, NOW + 1_300, NOW + 300)).rejects.toMatchObject({
        code: "LEASE_STORE_UNAVAILABLE",
        retryable: true,
      });
      expect(await b.get(1)).toMatchObject({ owner: "A", expiresAt: NOW + 1_300, version: 2 });
      const again = await a.renew(lease, NOW + 1_600, NOW + 600);
      expect(again).toEqual({ workerId: 1, owner: "A", expiresAt: NOW + 1_600, version: 3 });
    },
  },
  {
    name: "a lost acquire answer: the write landed, a retry is refused (live under our own owner) until it expires",
    async run({ a, b, faults }) {
      faults.loseNextAnswer();
      await expect(a.tryAcquire(acquireRequest(6, "A"))).rejects.toMatchObject({ retryable: true });
      expect(await b.get(6)).toMatchObject({ owner: "A", expiresAt: NOW + 1_000, version: 1 });
      // The previous expiry (the floor) is lost with the answer, so the store cannot hand it back.
      expect(await a.tryAcquire(acquireRequest(6, "A", NOW + 10))).toBeUndefined();
      expect(await a.tryAcquire(acquireRequest(6, "A", NOW + 1_000))).toMatchObject({
        lease: { owner: "A", version: 2 },
        previousExpiresAt: NOW + 1_000,
      });
    },
  },
  {
    name: "release lowers expiresAt, so the next holder starts at once with that floor",
    async run({ a, b }) {
      const lease = await hold(a, acquireRequest(3, "A", NOW, 30_000));
      await a.release(lease, NOW + 501, NOW + 500);
      expect(await b.get(3)).toMatchObject({ owner: "A", expiresAt: NOW + 501, version: 2 });
      const next = await b.tryAcquire(acquireRequest(3, "B", NOW + 501));
      expect(next).toMatchObject({
        lease: { owner: "B", version: 3 },
        previousExpiresAt: NOW + 501,
      });
    },
  },
  {
    name: "list returns the namespace's items in worker-ID order, without the binding or other namespaces",
    async run({ a, other }) {
      await a.bind(CLASSIC, NOW);
      for (const workerId of [9, 0, 1023, 42])
        await hold(a, acquireRequest(workerId, `o${workerId}`));
      await hold(other, acquireRequest(7, "x"));
      const listed = await a.list();
      expect(listed.map((r) => r.workerId)).toEqual([0, 9, 42, 1023]);
      expect(listed[0]).toMatchObject({ owner: "o0", expiresAt: NOW + 1_000, version: 1 });
      expect((await other.list()).map((r) => r.owner)).toEqual(["x"]);
      expect(await a.get(8)).toBeUndefined();
    },
  },
  {
    name: "list(range) returns only the range's items, in worker-ID order",
    async run({ a }) {
      await a.bind(CLASSIC, NOW);
      for (const workerId of [3, 500, 7, 1000, 200, 9])
        await hold(a, acquireRequest(workerId, `o${workerId}`));
      const listed = await a.list(parseWorkerIds("0-7,500-999"));
      expect(listed.map((r) => r.workerId)).toEqual([3, 7, 500]);
      expect(listed[0]).toMatchObject({ owner: "o3", version: 1 });
      expect(await a.list(parseWorkerIds("10-99"))).toEqual([]);
    },
  },
  {
    name: "readBinding: undefined before the first bind, then the binding; it writes nothing",
    async run({ a, b, other }) {
      expect(await a.readBinding()).toBeUndefined();
      expect(await a.list()).toEqual([]);
      await a.bind(CLASSIC, NOW);
      expect(await b.readBinding()).toEqual({ layout: CLASSIC.layout, epochMs: CLASSIC.epochMs });
      expect(await other.readBinding()).toBeUndefined();
      await other.bind({ layout: "sonyflake", epochMs: 0 }, NOW); // still bindable afresh
    },
  },
];

/** Every case, in order. */
export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  ...basicCases,
  ...faultCases,
  ...concurrencyCases,
];
