// Every ID the chaos driver received, compactly (8 bytes each), kept per worker ID and per process
// run (incarnation): one process's IDs arrive strictly increasing, so each list is already sorted.

const CHUNK = 1 << 16;

/** A growable list of IDs in 64K chunks. */
class Segment {
  count = 0;
  private readonly chunks: BigUint64Array[] = [];

  push(id: bigint): void {
    const offset = this.count % CHUNK;
    if (offset === 0) this.chunks.push(new BigUint64Array(CHUNK));
    (this.chunks.at(-1) as BigUint64Array)[offset] = id;
    this.count++;
  }

  /** The IDs in one sorted array (sorting is a no-op pass when they arrived in order). */
  sorted(): BigUint64Array {
    const all = new BigUint64Array(this.count);
    for (const [index, chunk] of this.chunks.entries()) {
      all.set(chunk.subarray(0, Math.min(CHUNK, this.count - index * CHUNK)), index * CHUNK);
    }
    return all.sort();
  }
}

export interface WorkerCheck {
  workerId: number;
  ids: number;
  sources: number;
  /** Runs of consecutive IDs (in ID order) from one source: a holder's tenure is one run. */
  blocks: number;
}

export interface IdCheck {
  duplicates: number;
  samples: { id: string; sources: number[] }[];
  workers: WorkerCheck[];
}

/** IDs by worker ID and source; `check` merges each worker's sources in ID order. */
export class IdLog {
  count = 0;
  private readonly byWorker = new Map<number, Map<number, Segment>>();

  add(workerId: number, source: number, id: bigint): void {
    let sources = this.byWorker.get(workerId);
    if (!sources) {
      sources = new Map();
      this.byWorker.set(workerId, sources);
    }
    let segment = sources.get(source);
    if (!segment) {
      segment = new Segment();
      sources.set(source, segment);
    }
    segment.push(id);
    this.count++;
  }

  /**
   * For every worker ID, merges its sources' IDs in order and counts equal neighbours (duplicates)
   * and changes of source (blocks). IDs of different worker IDs never collide.
   */
  check(sampleLimit = 20): IdCheck {
    let duplicates = 0;
    const samples: IdCheck["samples"] = [];
    const workers: WorkerCheck[] = [];
    for (const [workerId, bySource] of [...this.byWorker].sort((a, b) => a[0] - b[0])) {
      const sources = [...bySource.keys()];
      const lists = [...bySource.values()].map((segment) => segment.sorted());
      const positions = lists.map(() => 0);
      const heads = lists.map((list) => (list.length > 0 ? (list[0] as bigint) : undefined));
      let previous: bigint | undefined;
      let previousSource = -1;
      let blocks = 0;
      let ids = 0;
      for (;;) {
        let best = -1;
        for (let k = 0; k < heads.length; k++) {
          const head = heads[k];
          if (head !== undefined && (best === -1 || head < (heads[best] as bigint))) best = k;
        }
        if (best === -1) break;
        const id = heads[best] as bigint;
        const source = sources[best] as number;
        if (id === previous) {
          duplicates++;
          if (samples.length < sampleLimit)
            samples.push({ id: id.toString(), sources: [previousSource, source] });
        }
        if (source !== previousSource) blocks++;
        previous = id;
        previousSource = source;
        ids++;
        const list = lists[best] as BigUint64Array;
        const next = (positions[best] as number) + 1;
        positions[best] = next;
        heads[best] = next < list.length ? (list[next] as bigint) : undefined;
      }
      workers.push({ workerId, ids, sources: sources.length, blocks });
    }
    return { duplicates, samples, workers };
  }
}
