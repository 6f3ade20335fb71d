// The lease protocol as a model-based test: several holders (own skewed clock, own leaser and
// generator, one shared store) driven by fast-check commands, every store call's request and answer
// interleaved by fast-check's scheduler, checked against a reference model of who may issue which
// timestamps. Used by test/lease/protocol.model.test.ts with the memory store and with dynalite.
import fc from "fast-check";
import { mulberry32 } from "../../../scripts/lib/prng.ts";
import { decodeId } from "../../../src/core/decode.ts";
import { SnowflakeGenerator } from "../../../src/core/generator.ts";
import type { Layout } from "../../../src/core/layout.ts";
import {
  LeaseLostError,
  LeaseStoreUnavailableError,
  NoFreeWorkerIdError,
} from "../../../src/lease/errors.ts";
import { Leaser } from "../../../src/lease/leaser.ts";
import type { LeaseStore } from "../../../src/lease/store.ts";
import { FakeClock } from "../../support/fake-clock.ts";
import { type AppliedWrite, ScheduledStore, type StoreFault } from "./scheduled-store.ts";

export const HOLDERS = 3;

/** One lease of one worker ID, as the store granted it: who may issue which timestamps. */
interface Tenure {
  workerId: number;
  owner: string;
  /** Item version written by the acquisition: orders tenures even if answers arrive out of order. */
  version: number;
  /** The previous holder's `expiresAt`: no ID of this tenure lies below it. */
  floorMs: number;
  /** The largest `expiresAt` the store ever held for this tenure: no ID at or past it. */
  maxExpiresAt: number;
  issuedMinMs: number;
  issuedMaxMs: number;
}

/** Totals over all runs, for docs/RELIABILITY.md. */
export interface ModelStats {
  runs: number;
  commands: number;
  scheduledSteps: number;
  ids: number;
  acquisitions: number;
  takeoversOfUnreleased: number;
  renewals: number;
  releases: number;
  faults: number;
  refusedIssues: number;
}

export function emptyStats(): ModelStats {
  return {
    runs: 0,
    commands: 0,
    scheduledSteps: 0,
    ids: 0,
    acquisitions: 0,
    takeoversOfUnreleased: 0,
    renewals: 0,
    releases: 0,
    faults: 0,
    refusedIssues: 0,
  };
}

/**
 * The reference model. The store reports each write the moment it applies it, so the model knows
 * the chain of tenures per worker ID regardless of what answers the holders got; every issued ID
 * is checked against it: inside its tenure's [floor, max expiresAt), below every later tenure's
 * floor, and never seen before.
 */
export class ProtocolModel {
  readonly paused: boolean[] = Array.from({ length: HOLDERS }, () => false);
  readonly layout: Layout;
  private readonly tenures = new Map<number, Tenure[]>();
  private readonly released = new Set<Tenure>();
  private readonly seen = new Set<bigint>();
  /** Errors found outside a command's own stack (background operations); rethrown by the next check. */
  readonly violations: string[] = [];
  readonly stats: ModelStats;

  constructor(layout: Layout, stats: ModelStats) {
    this.layout = layout;
    this.stats = stats;
  }

  applied(write: AppliedWrite): void {
    const chain = this.chain(write.workerId);
    if (write.kind === "acquire") {
      const { lease, previousExpiresAt } = write.acquired;
      const tenure: Tenure = {
        workerId: write.workerId,
        owner: write.owner,
        version: lease.version,
        floorMs: previousExpiresAt ?? Number.NEGATIVE_INFINITY,
        maxExpiresAt: lease.expiresAt,
        issuedMinMs: Number.POSITIVE_INFINITY,
        issuedMaxMs: Number.NEGATIVE_INFINITY,
      };
      const before = chain.filter((t) => t.version < tenure.version).at(-1);
      if (before && !this.released.has(before)) this.stats.takeoversOfUnreleased++;
      chain.push(tenure);
      chain.sort((a, b) => a.version - b.version);
      this.stats.acquisitions++;
      this.checkChain(write.workerId);
      return;
    }
    const tenure = this.tenureOf(
      write.owner,
      write.workerId,
      write.kind === "renew" ? write.lease.version : Infinity,
    );
    if (!tenure) {
      this.violations.push(
        `${write.kind} by ${write.owner} applied to worker ${write.workerId} it never acquired`,
      );
      return;
    }
    if (write.kind === "renew") {
      tenure.maxExpiresAt = Math.max(tenure.maxExpiresAt, write.lease.expiresAt);
      this.stats.renewals++;
    } else {
      this.released.add(tenure);
      this.stats.releases++;
    }
  }

  /** Checks IDs one holder just issued; throws on the first violation. */
  issued(owner: string, ids: bigint[]): void {
    for (const id of ids) {
      if (this.seen.has(id)) throw new Error(`duplicate ID ${id} (issued again by ${owner})`);
      this.seen.add(id);
      const { workerId, timestamp } = decodeId(id, this.layout);
      const tenure = this.tenureOf(owner, workerId, Infinity);
      if (!tenure) throw new Error(`${owner} issued ${id} on worker ${workerId} without a lease`);
      if (timestamp < tenure.floorMs || timestamp >= tenure.maxExpiresAt) {
        throw new Error(
          `${owner} issued ${id} at ${timestamp}, outside its lease [${tenure.floorMs}, ${tenure.maxExpiresAt}) on worker ${workerId}`,
        );
      }
      for (const later of this.chain(workerId)) {
        if (later.version > tenure.version && timestamp >= later.floorMs) {
          throw new Error(
            `${owner} issued ${id} at ${timestamp} on worker ${workerId}, at or above the floor ${later.floorMs} of the next holder ${later.owner}`,
          );
        }
      }
      tenure.issuedMinMs = Math.min(tenure.issuedMinMs, timestamp);
      tenure.issuedMaxMs = Math.max(tenure.issuedMaxMs, timestamp);
    }
    this.stats.ids += ids.length;
  }

  /** Throws the first violation found in the background, if any. */
  assertClean(): void {
    if (this.violations.length > 0) throw new Error(this.violations.join("\n"));
  }

  /** End of a run: every worker's tenures hold disjoint, increasing ranges. */
  finish(): void {
    for (const workerId of this.tenures.keys()) this.checkChain(workerId);
    this.assertClean();
  }

  private checkChain(workerId: number): void {
    const chain = this.chain(workerId);
    for (let i = 1; i < chain.length; i++) {
      const before = chain[i - 1] as Tenure;
      const after = chain[i] as Tenure;
      if (before.issuedMaxMs >= after.floorMs) {
        this.violations.push(
          `worker ${workerId}: ${before.owner} issued up to ${before.issuedMaxMs}, but the next holder ${after.owner} got the floor ${after.floorMs}`,
        );
      }
    }
  }

  private chain(workerId: number): Tenure[] {
    let chain = this.tenures.get(workerId);
    if (!chain) {
      chain = [];
      this.tenures.set(workerId, chain);
    }
    return chain;
  }

  /** The owner's latest tenure of the worker ID granted at or before `version`. */
  private tenureOf(owner: string, workerId: number, version: number): Tenure | undefined {
    return this.chain(workerId)
      .filter((t) => t.owner === owner && t.version <= version)
      .at(-1);
  }
}

/**
 * A holder's clock: moves when the test says so, and its sleeps are scheduled steps, so a batch
 * waiting for the next tick (or for a small step back to pass) interleaves with lease changes.
 */
class HolderClock extends FakeClock {
  /** The latest time anyone read: the generator's last tick lies at or below it. */
  maxReadMs = Number.NEGATIVE_INFINITY;
  private readonly scheduler: fc.Scheduler;
  constructor(startMs: number, scheduler: fc.Scheduler) {
    super(startMs);
    this.scheduler = scheduler;
  }
  override now(): number {
    const value = super.now();
    this.maxReadMs = Math.max(this.maxReadMs, value);
    return value;
  }
  override async sleep(ms: number): Promise<void> {
    await this.scheduler.schedule(Promise.resolve(), `sleep ${ms}`);
    this.advance(ms);
  }
}

/** One process: a leaser and its generator. */
interface Incarnation {
  owner: string;
  generator: SnowflakeGenerator;
  leaser: Leaser;
}

/** One holder slot: its clock and fault queue outlive restarts of the process. */
interface Holder {
  clock: HolderClock;
  faults: StoreFault[];
  incarnations: number;
  current: Incarnation;
  /** The previous process, after a graceful restart, until its release completes. */
  draining: Incarnation | undefined;
}

export interface ModelSetup {
  layout: Layout;
  ttlMs: number;
  workerIdCount: number;
  startMs: number;
  skewsMs: number[];
  seed: number;
}

/** The system under test: holders over one store, plus their background operations. */
export class ProtocolReal {
  readonly holders: Holder[];
  readonly setup: ModelSetup;
  private readonly pending = new Set<Promise<void>>();
  private readonly model: ProtocolModel;
  private readonly scheduler: fc.Scheduler;
  private readonly innerStore: () => LeaseStore;
  private readonly random: () => number;

  constructor(options: {
    setup: ModelSetup;
    model: ProtocolModel;
    scheduler: fc.Scheduler;
    /** A store on the shared table (one per process, like separate clients). */
    store: () => LeaseStore;
  }) {
    this.setup = options.setup;
    this.model = options.model;
    this.scheduler = options.scheduler;
    this.innerStore = options.store;
    this.random = mulberry32(options.setup.seed);
    this.holders = options.setup.skewsMs.map((skew, slot) => {
      const holder = {
        clock: new HolderClock(options.setup.startMs + skew, options.scheduler),
        faults: [],
        incarnations: 0,
        draining: undefined,
      } as unknown as Holder;
      holder.current = this.spawn(slot, holder);
      return holder;
    });
  }

  /** A new process in the holder's slot (new owner, new generator, same clock). */
  spawn(slot: number, holder: Holder): Incarnation {
    const owner = `h${slot}.${++holder.incarnations}`;
    const { layout, ttlMs, workerIdCount } = this.setup;
    const generator = new SnowflakeGenerator({ layout, clock: holder.clock });
    const store = new ScheduledStore({
      inner: this.innerStore(),
      scheduler: this.scheduler,
      name: owner,
      faults: holder.faults,
      onApplied: (write) => this.model.applied(write),
    });
    const leaser = new Leaser({
      store,
      generator,
      clock: holder.clock,
      ttlMs,
      owner,
      workerIdCount,
      random: this.random,
    });
    return { owner, generator, leaser };
  }

  /** Runs `operation` in the background; an error other than the protocol's own is a violation. */
  background(what: string, operation: Promise<unknown>): void {
    const tracked = operation.then(
      () => {},
      (error: unknown) => {
        if (!isExpectedLeaseError(error)) {
          this.model.violations.push(`${what} failed unexpectedly: ${String(error)}`);
        }
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Lets every background operation finish (scheduled steps, and real I/O for dynalite). */
  async drain(): Promise<void> {
    for (let round = 0; this.pending.size > 0 || this.scheduler.count() > 0; round++) {
      if (round > 10_000) throw new Error("background operations did not settle");
      await this.scheduler.waitAll();
      if (this.pending.size > 0) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

function isExpectedLeaseError(error: unknown): boolean {
  return (
    error instanceof LeaseStoreUnavailableError ||
    error instanceof LeaseLostError ||
    error instanceof NoFreeWorkerIdError ||
    (error as { code?: string }).code === "LEASE_EXPIRED"
  );
}

type Command = fc.AsyncCommand<ProtocolModel, ProtocolReal>;

/** Base: counts executed commands; paused holders take no steps of their own. */
abstract class HolderCommand implements Command {
  readonly who: number;
  constructor(who: number) {
    this.who = who;
  }
  check(model: ProtocolModel): boolean {
    model.assertClean();
    return !model.paused[this.who];
  }
  async run(model: ProtocolModel, real: ProtocolReal): Promise<void> {
    model.stats.commands++;
    await this.step(model, real, real.holders[this.who] as Holder);
    model.assertClean();
  }
  abstract step(model: ProtocolModel, real: ProtocolReal, holder: Holder): Promise<void>;
  abstract toString(): string;
}

/** Renew or acquire, in the background (the Node target's timer). */
class Refresh extends HolderCommand {
  async step(_m: ProtocolModel, real: ProtocolReal, holder: Holder): Promise<void> {
    real.background(`${holder.current.owner} refresh`, holder.current.leaser.refresh());
  }
  toString(): string {
    return `refresh(h${this.who})`;
  }
}

/** The lazy targets' path: `ensure` before issuing, renewal in the background when due. */
class Ensure extends HolderCommand {
  async step(_m: ProtocolModel, real: ProtocolReal, holder: Holder): Promise<void> {
    const { owner, leaser } = holder.current;
    real.background(
      `${owner} ensure`,
      leaser.ensure((work) => real.background(`${owner} ensure (background)`, work)),
    );
  }
  toString(): string {
    return `ensure(h${this.who})`;
  }
}

/**
 * `async`: a batch in the background (`nextBatchAsync`), whose waits are scheduled steps, so the
 * lease may be renewed, lost or reassigned while it waits. `try`: `tryNextBatch` right now, where
 * the model also predicts success: a holder inside its lease, past its floor, on a tick nobody has
 * read yet, with room for the batch, must issue (fencing must not fail everything closed).
 */
class Issue extends HolderCommand {
  readonly count: number;
  readonly api: "async" | "try";
  readonly fromDraining: boolean;
  constructor(who: number, count: number, api: "async" | "try", fromDraining: boolean) {
    super(who);
    this.count = count;
    this.api = api;
    this.fromDraining = fromDraining;
  }
  async step(model: ProtocolModel, real: ProtocolReal, holder: Holder): Promise<void> {
    const process = (this.fromDraining ? holder.draining : undefined) ?? holder.current;
    const { generator, leaser, owner } = process;
    if (this.api === "async") {
      real.background(
        `${owner} ${this}`,
        generator.nextBatchAsync(this.count).then(
          (ids) => {
            if (ids.length !== this.count)
              throw new Error(`asked ${this.count}, got ${ids.length}`);
            model.issued(owner, ids);
          },
          (error: unknown) => {
            if ((error as { code?: string }).code !== "CLOCK_BACKWARD") throw error;
            model.stats.refusedIssues++;
          },
        ),
      );
      return;
    }
    const { layout } = generator;
    const tickOf = (ms: number) => Math.floor((ms - layout.epochMs) / layout.unitMs);
    const nowMs = holder.clock.ms;
    const lease = leaser.current;
    const mustIssue =
      process === holder.current &&
      lease !== undefined &&
      nowMs >= generator.fence.floorMs &&
      tickOf(nowMs) > tickOf(holder.clock.maxReadMs) &&
      this.count <= layout.maxSequence + 1 &&
      nowMs + layout.unitMs <= lease.expiresAt;
    let ids: bigint[] | undefined;
    try {
      ids = generator.tryNextBatch(this.count);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "LEASE_EXPIRED" && code !== "CLOCK_BACKWARD") throw error;
      if (mustIssue) throw new Error(`${owner} refused to issue inside its lease: ${code}`);
      model.stats.refusedIssues++;
      return;
    }
    if (ids === undefined) {
      if (mustIssue) throw new Error(`${owner} could not issue ${this.count} IDs inside its lease`);
      return;
    }
    if (ids.length !== this.count) throw new Error(`asked ${this.count} IDs, got ${ids.length}`);
    model.issued(owner, ids);
  }
  toString(): string {
    const from = this.fromDraining ? ", draining" : "";
    return `issue(h${this.who}, ${this.count}, ${this.api}${from})`;
  }
}

/** Graceful restart (release, new process at once) or crash (the lease is left to lapse). */
class Restart extends HolderCommand {
  readonly graceful: boolean;
  constructor(who: number, graceful: boolean) {
    super(who);
    this.graceful = graceful;
  }
  async step(_m: ProtocolModel, real: ProtocolReal, holder: Holder): Promise<void> {
    const old = holder.current;
    if (this.graceful) {
      holder.draining = old;
      real.background(
        `${old.owner} stop`,
        old.leaser.stop().finally(() => {
          if (holder.draining === old) holder.draining = undefined;
        }),
      );
    }
    holder.current = real.spawn(this.who, holder);
  }
  toString(): string {
    return `${this.graceful ? "restart" : "crash"}(h${this.who})`;
  }
}

/** The holder's next store call fails: never arrives, or is applied with its answer lost. */
class Fault extends HolderCommand {
  readonly fault: StoreFault;
  constructor(who: number, fault: StoreFault) {
    super(who);
    this.fault = fault;
  }
  override check(model: ProtocolModel): boolean {
    model.assertClean();
    return true;
  }
  async step(model: ProtocolModel, _real: ProtocolReal, holder: Holder): Promise<void> {
    holder.faults.push(this.fault);
    model.stats.faults++;
  }
  toString(): string {
    return `fault(h${this.who}, ${this.fault})`;
  }
}

/** Steps one holder's clock (skew): small steps back within the tolerance, or big jumps. */
class Jump extends HolderCommand {
  readonly ms: number;
  constructor(who: number, ms: number) {
    super(who);
    this.ms = ms;
  }
  override check(model: ProtocolModel): boolean {
    model.assertClean();
    return true;
  }
  async step(_m: ProtocolModel, _real: ProtocolReal, holder: Holder): Promise<void> {
    holder.clock.advance(this.ms);
  }
  toString(): string {
    return `jump(h${this.who}, ${this.ms})`;
  }
}

/** Stops the holder (SIGSTOP, GC pause, frozen isolate): it takes no steps until resumed. */
class Pause extends HolderCommand {
  async step(model: ProtocolModel): Promise<void> {
    model.paused[this.who] = true;
  }
  toString(): string {
    return `pause(h${this.who})`;
  }
}

class Resume extends HolderCommand {
  override check(model: ProtocolModel): boolean {
    model.assertClean();
    return model.paused[this.who] === true;
  }
  async step(model: ProtocolModel): Promise<void> {
    model.paused[this.who] = false;
  }
  toString(): string {
    return `resume(h${this.who})`;
  }
}

/** Time passes for everyone (paused holders' clocks too: a pause outlives the lease this way). */
class Advance implements Command {
  readonly ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  check(model: ProtocolModel): boolean {
    model.assertClean();
    return true;
  }
  async run(model: ProtocolModel, real: ProtocolReal): Promise<void> {
    model.stats.commands++;
    for (const holder of real.holders) holder.clock.advance(this.ms);
  }
  toString(): string {
    return `advance(${this.ms})`;
  }
}

/** The command mix; `ttlMs` scales the time steps. */
export function protocolCommands(ttlMs: number): fc.Arbitrary<Command>[] {
  const who = fc.integer({ min: 0, max: HOLDERS - 1 });
  return [
    fc.oneof(
      { weight: 6, arbitrary: who.map((h) => new Refresh(h)) },
      { weight: 2, arbitrary: who.map((h) => new Ensure(h)) },
      {
        weight: 8,
        arbitrary: fc
          .tuple(
            who,
            fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 5_000 })),
            fc.constantFrom("async" as const, "try" as const),
            fc.boolean(),
          )
          .map(([h, count, api, draining]) => new Issue(h, count, api, draining)),
      },
      {
        weight: 6,
        arbitrary: fc
          .oneof(
            // Small steps land holders near the boundaries (a lease's end, a tick's end).
            { weight: 3, arbitrary: fc.integer({ min: 0, max: 50 }) },
            { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.floor(ttlMs / 3) }) },
            { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * ttlMs }) },
          )
          .map((ms) => new Advance(ms)),
      },
      {
        weight: 4,
        arbitrary: fc
          .tuple(
            who,
            fc.oneof(
              fc.integer({ min: -15, max: 15 }),
              fc.integer({ min: -2 * ttlMs, max: 2 * ttlMs }),
            ),
          )
          .map(([h, ms]) => new Jump(h, ms)),
      },
      { weight: 1, arbitrary: who.map((h) => new Pause(h)) },
      { weight: 2, arbitrary: who.map((h) => new Resume(h)) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(who, fc.constantFrom("unavailable" as const, "answer-lost" as const))
          .map(([h, fault]) => new Fault(h, fault)),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(who, fc.boolean()).map(([h, graceful]) => new Restart(h, graceful)),
      },
    ),
  ];
}
