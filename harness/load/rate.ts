/**
 * A token bucket that paces request starts to a target rate. Waiters are served first come, first served, so
 * seqs start in order. The bucket starts with one token (no burst at start) and holds at most `capacity`,
 * which lets a late timer catch up a little without ever bursting far above the rate.
 */
export class TokenBucket {
  private tokens = 1;
  private last: number;
  /** Chains waiters so they are served in arrival order. */
  private tail: Promise<void> = Promise.resolve();
  private readonly capacity: number;

  /**
   * @param ratePerSecond tokens added per second (> 0)
   * @param capacity most tokens held at once; default 50 ms worth of tokens, at least 1
   */
  constructor(
    private readonly ratePerSecond: number,
    capacity?: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError('rate must be > 0');
    this.capacity = capacity ?? Math.max(1, ratePerSecond / 20);
    this.last = now();
  }

  /** Resolves when a token is taken, or at once (without a token) when `signal` is aborted. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.waitForToken(signal));
    this.tail = turn;
    return turn;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }

  private async waitForToken(signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await sleep(((1 - this.tokens) / this.ratePerSecond) * 1000, signal);
    }
  }
}

/** setTimeout as a promise that also ends early (resolving, not rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}
