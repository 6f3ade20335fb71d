// What a chaos run is told (options) and what it reports.
import type { Runtime } from "./runtimes.ts";

export type StoreName = "dynalite" | "dynamodb-local";

export interface GroupSpec {
  name: string;
  namespace: string;
  layout: string;
  processes: number;
  /** How many of `processes` run on Workers and on Lambda (the rest on Node). */
  workers?: number;
  lambda?: number;
}

export interface ChaosOptions {
  mode: "quick" | "full";
  seed: number;
  ttlMs: number;
  /** IDs per request (`count`). */
  batch: number;
  /** Sleep between one process's requests: keeps a run from taking every core. */
  paceMs: number;
  /** Fault rounds at least; more rounds run until `minIds` IDs were received. */
  rounds: number;
  minIds: number;
  /** Hard limit on the fault phase. */
  maxFaultPhaseMs: number;
  groups: GroupSpec[];
  /** The runtimes under test (faults for each); Node always runs. */
  runtimes: Runtime[];
  store: StoreName;
  log: (line: string) => void;
}

/** A store outage is named after the store (`dynalite`, `dynamodb-local`); `term` is Node only. */
export type FaultKind = "kill" | "pause" | "term" | "clock-forward" | "clock-backward" | StoreName;

export interface FaultRecord {
  kind: FaultKind;
  /** The target's runtime (absent for a store outage). */
  runtime?: Runtime;
  target: string;
  /** Seconds since the driver started pulling. */
  atS: number;
  /** How long the fault itself lasted (0 for a kill: the restart is immediate). */
  durationMs: number;
  /** From the end of the fault until every group issued on as many worker IDs as before it. */
  recoveredAfterMs: number | null;
  /** 503 answers from the start of the fault until recovery, by processes that were issuing before it. */
  refused: number;
  detail: Record<string, unknown>;
}

/** What a SIGSTOPped holder did after SIGCONT (docs/ARCHITECTURE.md#fencing: nothing under the lost lease). */
export interface PauseCheck {
  runtime: Runtime;
  workerId: number;
  /** `expiresAt` of the paused holder's lease, read from the table while it was stopped. */
  fenceMs: number;
  heldByPausedProcess: boolean;
  /** Another process held the worker ID when the paused one was resumed. */
  changedHands: boolean;
  pausedMs: number;
  refusedAfterResume: number;
  /** IDs on that worker ID at or past the fence: a violation of the fencing rule. */
  idsUnderLostLease: number;
  /** IDs on that worker ID below the fence (issued before the pause, delivered after). */
  idsBelowFence: number;
  /** IDs under a new lease (another worker ID) acquired after the resume. */
  idsUnderNewLease: number;
}

export interface GroupReport {
  name: string;
  namespace: string;
  layout: string;
  processes: number;
  workerIds: number;
  ids: number;
  duplicates: number;
  duplicateSamples: { id: string; sources: string[] }[];
  outOfOrder: number;
  /**
   * Per worker ID: runs of IDs (in ID order) from one process, and acquisitions of that worker ID.
   * Disjoint tenures mean runs <= acquisitions; `interleaved` sums the excess (must be 0).
   */
  workers: {
    workerId: number;
    ids: number;
    processes: number;
    runs: number;
    acquisitions: number;
  }[];
  interleaved: number;
  acquisitions: number;
  /** Acquisitions of a worker ID whose previous holder was another process. */
  handovers: number;
  /** Holders that found their lease taken over at renewal. */
  takenOver: number;
}

export interface ChaosReport {
  mode: string;
  seed: number;
  runtimes: Runtime[];
  store: StoreName;
  /** IDs received from each runtime's processes. */
  idsByRuntime: Record<Runtime, number>;
  /** Freezes (SIGSTOP past the TTL, then SIGCONT) per runtime. */
  freezes: Record<Runtime, number>;
  ttlMs: number;
  batch: number;
  processes: number;
  incarnations: number;
  pullMs: number;
  idsPerSecond: number;
  /** Time to check every ID (merge per worker ID), and the driver's resident memory after it. */
  checkMs: number;
  driverRssMb: number;
  totalIds: number;
  duplicates: number;
  outOfOrder: number;
  refused: number;
  refusedByReason: Record<string, number>;
  connectionErrors: number;
  otherErrors: number;
  groups: GroupReport[];
  faults: FaultRecord[];
  pauseChecks: PauseCheck[];
  storeRestarts: { itemsBefore: number; itemsAfter: number; sameData: boolean }[];
  ok: boolean;
  problems: string[];
}
