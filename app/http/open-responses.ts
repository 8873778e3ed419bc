/**
 * The responses not yet closed, cheap to add and remove on every request: slots in an array, reused through a
 * free list, each response carrying its own slot number. A Set would do the same job, but its add and delete
 * (the table grows and shrinks around the few requests in flight) cost each request about 1 µs, more than the
 * rest of the drain counter (`node scripts/bench-layers.js`, docs/performance.md).
 */
import type { ServerResponse } from 'node:http';

/** Where a response sits in `slots`; on the response itself, so removing it needs no lookup. */
const SLOT = Symbol('open-responses slot');

type Tracked = ServerResponse & { [SLOT]?: number };

export class OpenResponses implements Iterable<ServerResponse> {
  private readonly slots: Array<ServerResponse | undefined> = [];
  private readonly free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Keeps `res` until `remove(res)`. */
  add(res: ServerResponse): void {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = res;
    (res as Tracked)[SLOT] = slot;
    this.count++;
  }

  /** Forgets `res`; a second call (or one for a response never added) changes nothing. */
  remove(res: ServerResponse): void {
    const slot = (res as Tracked)[SLOT];
    if (slot === undefined || slot < 0 || this.slots[slot] !== res) return;
    this.slots[slot] = undefined;
    (res as Tracked)[SLOT] = -1;
    this.free.push(slot);
    this.count--;
  }

  *[Symbol.iterator](): Iterator<ServerResponse> {
    for (const res of this.slots) if (res !== undefined) yield res;
  }
}
