/**
 * The demo's calm terminal: instead of a JSON line per request, one status line every few seconds with the
 * requests sent and what each vendor has delivered to the sandbox so far. (`serve --verbose` brings the
 * request log back; the sandbox's CloudWatch view always has it.)
 */
import type { LoadProgress } from '../harness/load/runner';
import type { VendorCounts } from '../sandbox/store';

export const STATUS_EVERY_MS = 5000;

export interface StatusSources {
  /** Vendors to list, in order, even while they have delivered nothing (so a silent one stands out). */
  vendors: readonly string[];
  /** The sandbox's per-vendor counters, when the sandbox runs in this process. */
  deliveries?: () => readonly VendorCounts[];
}

/**
 * `[status] 126 requests (11 failed) · sandbox spans/errors/logs: honeycomb 733/10/0 · xray 788/41/0 · …`
 * "failed" counts answers ≥ 400 and no answer at all; the demo's chaos scenario injects some on purpose.
 */
export function statusLine(progress: readonly LoadProgress[], sources: StatusSources): string {
  const requests = progress.reduce((sum, p) => sum + p.done, 0);
  const failed = progress.reduce((sum, p) => sum + p.errors, 0);
  const line = `[status] ${requests} requests (${failed} failed)`;
  if (!sources.deliveries) return line;
  const counts = new Map(sources.deliveries().map((c) => [c.vendor as string, c]));
  const vendors = sources.vendors.map((vendor) => {
    const c = counts.get(vendor);
    return `${vendor} ${c?.spans ?? 0}/${c?.errors ?? 0}/${c?.logs ?? 0}`;
  });
  return `${line} · sandbox spans/errors/logs: ${vendors.join(' · ')}`;
}

/**
 * Prints `statusLine` every `STATUS_EVERY_MS`. `record(i)` is the progress callback for traffic stream i
 * (one per process pair).
 */
export function startStatusLine(
  sources: StatusSources,
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): { record(stream: number): (progress: LoadProgress) => void; stop(): void } {
  const latest: LoadProgress[] = [];
  const timer = setInterval(() => write(statusLine(latest.filter(Boolean), sources)), STATUS_EVERY_MS);
  timer.unref();
  return {
    record: (stream) => (progress) => {
      latest[stream] = progress;
    },
    stop: () => clearInterval(timer),
  };
}
