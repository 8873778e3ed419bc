/**
 * Fixed-memory statistics for a load run: a log-bucketed latency histogram (percentiles within 1%, ~7 KB
 * whatever the request count, so an endless demo run never grows) and a status histogram.
 */

/** Smallest latency told apart (ms); anything below lands in bucket 0. */
const MIN_MS = 0.01;
/** Relative width of a bucket: reported percentiles are within this factor of the true value. */
const PRECISION = 0.01;
/** Largest latency told apart (ms); anything above lands in the last bucket (max stays exact). */
const MAX_MS = 600_000;
const LOG_STEP = Math.log1p(PRECISION);
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_STEP) + 1;

export interface LatencyPercentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private maxMs = 0;
  private minMs = Number.POSITIVE_INFINITY;

  get count(): number {
    return this.total;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_STEP));
    this.counts[index]++;
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
    if (ms < this.minMs) this.minMs = ms;
  }

  /** The latency at quantile `q` (0–1): the upper edge of its bucket, clamped to the observed range. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const upper = MIN_MS * Math.exp(i * LOG_STEP);
        return Math.min(this.maxMs, Math.max(this.minMs, upper));
      }
    }
    return this.maxMs;
  }

  percentiles(): LatencyPercentiles {
    const round = (ms: number) => Math.round(ms * 100) / 100;
    return {
      p50: round(this.quantile(0.5)),
      p90: round(this.quantile(0.9)),
      p99: round(this.quantile(0.99)),
      max: round(this.maxMs),
    };
  }
}

/** An HTTP status code, or `ERR_<code>` for a request that got no response (network error, timeout). */
export type Outcome = number | `ERR_${string}`;

export function isError(outcome: Outcome): boolean {
  return typeof outcome === 'string' || outcome >= 400;
}

export class StatusCounts {
  private readonly counts = new Map<string, number>();
  private failed = 0;

  record(outcome: Outcome): void {
    const key = String(outcome);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (isError(outcome)) this.failed++;
  }

  /** Requests answered with 4xx/5xx or not answered at all. */
  get errors(): number {
    return this.failed;
  }

  /** `{"200": n, "404": n, "ERR_ECONNREFUSED": n}`, keys sorted so JSON output is stable. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
