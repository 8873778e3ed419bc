/**
 * The responses not yet closed, cheap to add and remove on every request: slots in an array, reused through a
 * free list. A Set would do the same job, but its add and delete (the table grows and shrinks around the few
 * requests in flight) cost each request about 1 µs, more than the rest of the drain counter
 * (`node scripts/bench-layers.js`, docs/performance.md).
 */
import type { ServerResponse } from 'node:http';

export class OpenResponses implements Iterable<ServerResponse> {
  private readonly slots: Array<ServerResponse | undefined> = [];
  private readonly free: number[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Keeps `res` until `remove(slot)`; returns its slot. */
  add(res: ServerResponse): number {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = res;
    this.count++;
    return slot;
  }

  remove(slot: number): void {
    if (this.slots[slot] === undefined) return;
    this.slots[slot] = undefined;
    this.free.push(slot);
    this.count--;
  }

  *[Symbol.iterator](): Iterator<ServerResponse> {
    for (const res of this.slots) if (res !== undefined) yield res;
  }
}
