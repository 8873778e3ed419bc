/**
 * Every span the store holds, oldest first, kept as parallel columns in a ring: the record, its trace's entry,
 * its size, when it arrived and its arrival order across kinds. No object per span besides the record itself,
 * the numbers in typed arrays the garbage collector never scans, and no copying once the ring has grown to
 * the span cap, so with 200 000 spans held ingest pays that much less per span (docs/performance.md, "The
 * sandbox under load").
 *
 * A span is addressed by its `seq`: its position counted from the first span ever pushed, which eviction from
 * the front does not change. Its slot is `seq % capacity` (a remainder, not a bit mask: after 2^31 spans seq is
 * no longer a 32-bit integer).
 */
const INITIAL_CAPACITY = 1024;

export class SpanColumns<R, T> {
  private records: Array<R | undefined>;
  private traces: Array<T | undefined>;
  private sizes: Float64Array;
  private received: Float64Array;
  private orders: Float64Array;
  /** 1 where the record is held in a compact form (compact-span.ts). */
  private compact: Uint8Array;
  private capacity: number;
  /** Seq of the oldest span held. */
  private first = 0;
  /** One past the newest span's seq. */
  private end = 0;

  constructor() {
    this.records = new Array<R | undefined>(INITIAL_CAPACITY);
    this.traces = new Array<T | undefined>(INITIAL_CAPACITY);
    this.sizes = new Float64Array(INITIAL_CAPACITY);
    this.received = new Float64Array(INITIAL_CAPACITY);
    this.orders = new Float64Array(INITIAL_CAPACITY);
    this.compact = new Uint8Array(INITIAL_CAPACITY);
    this.capacity = INITIAL_CAPACITY;
  }

  /** @returns the new span's seq. */
  push(record: R, trace: T, bytes: number, receivedAt: number, order: number, compact = false): number {
    if (this.size === this.capacity) this.grow();
    const seq = this.end++;
    const i = seq % this.capacity;
    this.records[i] = record;
    this.traces[i] = trace;
    this.sizes[i] = bytes;
    this.received[i] = receivedAt;
    this.orders[i] = order;
    this.compact[i] = compact ? 1 : 0;
    return seq;
  }

  get size(): number {
    return this.end - this.first;
  }

  /** Seq of the oldest span held (= `endSeq` when empty). */
  get firstSeq(): number {
    return this.first;
  }

  /** One past the newest span's seq. */
  get endSeq(): number {
    return this.end;
  }

  /** The span at `seq`, which must be held. */
  record(seq: number): R {
    return this.records[seq % this.capacity]!;
  }

  /** Whether the record at `seq` is in the compact form it was pushed in. */
  isCompact(seq: number): boolean {
    return this.compact[seq % this.capacity] === 1;
  }

  bytes(seq: number): number {
    return this.sizes[seq % this.capacity];
  }

  receivedAt(seq: number): number {
    return this.received[seq % this.capacity];
  }

  /**
   * Puts a new version (never compact) in the span's place: an update keeps the span's position in the
   * eviction order.
   */
  replace(seq: number, record: R, bytes: number, receivedAt: number): void {
    const i = seq % this.capacity;
    this.compact[i] = 0;
    this.records[i] = record;
    this.sizes[i] = bytes;
    this.received[i] = receivedAt;
  }

  /** The oldest span's record, trace and size; undefined / 0 when empty. */
  get oldestRecord(): R | undefined {
    return this.size > 0 ? this.records[this.first % this.capacity] : undefined;
  }

  get oldestTrace(): T | undefined {
    return this.size > 0 ? this.traces[this.first % this.capacity] : undefined;
  }

  get oldestBytes(): number {
    return this.size > 0 ? this.sizes[this.first % this.capacity] : 0;
  }

  /** Arrival order of the oldest span; Infinity when empty. */
  get oldestOrder(): number {
    return this.size > 0 ? this.orders[this.first % this.capacity] : Number.POSITIVE_INFINITY;
  }

  /** Drops the oldest span. */
  shift(): void {
    if (this.size === 0) return;
    // Released now, not when the slot is reused, so an evicted record is garbage at once.
    const i = this.first++ % this.capacity;
    this.records[i] = undefined;
    this.traces[i] = undefined;
  }

  clear(): void {
    for (let seq = this.first; seq < this.end; seq++) {
      this.records[seq % this.capacity] = undefined;
      this.traces[seq % this.capacity] = undefined;
    }
    this.first = this.end;
  }

  /** Twice the capacity, every span moved to its slot under the new one. */
  private grow(): void {
    const capacity = this.capacity * 2;
    const records = new Array<R | undefined>(capacity);
    const traces = new Array<T | undefined>(capacity);
    const sizes = new Float64Array(capacity);
    const received = new Float64Array(capacity);
    const orders = new Float64Array(capacity);
    const compact = new Uint8Array(capacity);
    for (let seq = this.first; seq < this.end; seq++) {
      const from = seq % this.capacity;
      const to = seq % capacity;
      records[to] = this.records[from];
      traces[to] = this.traces[from];
      sizes[to] = this.sizes[from];
      received[to] = this.received[from];
      orders[to] = this.orders[from];
      compact[to] = this.compact[from];
    }
    this.records = records;
    this.traces = traces;
    this.sizes = sizes;
    this.received = received;
    this.orders = orders;
    this.compact = compact;
    this.capacity = capacity;
  }
}
