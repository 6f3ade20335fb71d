// The local stock of fetched IDs, oldest first. IDs are kept as the server's text lines and
// converted only when handed out.

interface Chunk {
  ids: string[];
  next: number;
  /** When the request that fetched it was sent: its IDs were issued after this. */
  sentAtMs: number;
}

/** A FIFO of fetched ID chunks; IDs older than `maxAgeMs` (when set) are dropped, never served. */
export class IdBuffer {
  /** IDs held (stale ones included until they are looked at). */
  size = 0;
  discarded = 0;
  private readonly chunks: Chunk[] = [];
  private head: Chunk | undefined;
  private readonly maxAgeMs: number | undefined;
  private readonly now: () => number;

  constructor(maxAgeMs: number | undefined, now: () => number) {
    this.maxAgeMs = maxAgeMs;
    this.now = now;
  }

  /** Appends the IDs of one answer, in the order the server issued them. */
  push(ids: string[], sentAtMs: number): void {
    const chunk = { ids, next: 0, sentAtMs };
    if (this.head === undefined) this.head = chunk;
    else this.chunks.push(chunk);
    this.size += ids.length;
  }

  /** The oldest fresh ID, or undefined when none is left. */
  takeOne(): string | undefined {
    const head = this.head;
    if (head !== undefined && head.next < head.ids.length && this.fresh(head)) {
      this.size--;
      return head.ids[head.next++];
    }
    return this.advance() ? this.takeOne() : undefined;
  }

  /** Fresh IDs available now (drops stale chunks first). */
  available(): number {
    if (this.maxAgeMs !== undefined) while (this.head && !this.fresh(this.head)) this.advance();
    return this.size;
  }

  /** The `count` oldest fresh IDs; the caller checked `available() >= count`. */
  take(count: number, into: string[]): void {
    while (into.length < count) {
      const head = this.head;
      if (head === undefined) return;
      const end = Math.min(head.ids.length, head.next + count - into.length);
      for (let i = head.next; i < end; i++) into.push(head.ids[i] as string);
      this.size -= end - head.next;
      head.next = end;
      if (end === head.ids.length) this.advance();
    }
  }

  /** Drops every ID held (counted as discarded). */
  clear(): void {
    this.discarded += this.size;
    this.size = 0;
    this.head = undefined;
    this.chunks.length = 0;
  }

  /** Drops the head chunk (used up or stale) and moves to the next; false when none is left. */
  private advance(): boolean {
    const head = this.head;
    if (head === undefined) return false;
    const left = head.ids.length - head.next;
    this.size -= left;
    this.discarded += left;
    this.head = this.chunks.shift();
    return this.head !== undefined;
  }

  private fresh(chunk: Chunk): boolean {
    return this.maxAgeMs === undefined || this.now() - chunk.sentAtMs <= this.maxAgeMs;
  }
}
