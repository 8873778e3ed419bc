import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TokenBucket } from '../../harness/load/rate';

// A fake clock drives the bucket, so these assert the pacing logic, not the machine's timing.
describe('TokenBucket', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 });
  });
  afterEach(() => vi.useRealTimers());

  const now = () => Date.now();
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);

  it('grants one start at once, then one per 1/rate seconds, in order', async () => {
    const bucket = new TokenBucket(10, 1, now); // 10/s → one per 100 ms
    const granted: number[] = [];
    for (let i = 0; i < 5; i++) void bucket.take().then(() => granted.push(i));
    await advance(0);
    expect(granted).toEqual([0]);
    await advance(99);
    expect(granted).toEqual([0]);
    await advance(1);
    expect(granted).toEqual([0, 1]);
    await advance(300);
    expect(granted).toEqual([0, 1, 2, 3, 4]);
  });

  it('never bursts beyond its capacity after an idle spell', async () => {
    const bucket = new TokenBucket(100, 5, now);
    await advance(10_000); // idle: tokens cap at 5
    const granted: number[] = [];
    for (let i = 0; i < 20; i++) void bucket.take().then(() => granted.push(i));
    await advance(0);
    expect(granted).toHaveLength(5);
    await advance(50); // 100/s → 5 more in 50 ms
    expect(granted).toHaveLength(10);
  });

  it('lets waiters go (without tokens) when aborted', async () => {
    const bucket = new TokenBucket(1, 1, now);
    const controller = new AbortController();
    await bucket.take(controller.signal);
    let released = false;
    void bucket.take(controller.signal).then(() => {
      released = true;
    });
    await advance(10);
    expect(released).toBe(false);
    controller.abort();
    await advance(0);
    expect(released).toBe(true);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new TokenBucket(0)).toThrow(/rate/);
  });
});
