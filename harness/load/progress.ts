/**
 * What a person watching a load run sees: on a terminal, one progress line redrawn ~5× a second; in a log
 * (CI, a pipe), a plain line every few seconds; at the end, a short summary.
 */
import type { LoadProgress, LoadSummary } from './runner';

export interface ProgressReporter {
  /** How often the runner should call `update`. */
  intervalMs: number;
  update(progress: LoadProgress): void;
  /** Clears the live line, so the summary starts on a clean line. */
  finish(): void;
}

interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

const BAR_WIDTH = 20;

function bar(fraction: number): string {
  const filled = Math.min(BAR_WIDTH, Math.max(0, Math.round(fraction * BAR_WIDTH)));
  return `[${'='.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}]`;
}

const ms = (n: number) => (n >= 100 ? `${Math.round(n)}` : n.toFixed(1));

/** How far along the run is: by count when it has one, else by time, else just the count so far. */
function position(p: LoadProgress): { fraction?: number; text: string } {
  if (p.total !== undefined) return { fraction: p.done / p.total, text: `${p.done}/${p.total}` };
  if (p.durationMs !== undefined) {
    return {
      fraction: p.elapsedMs / p.durationMs,
      text: `${p.done} in ${(p.elapsedMs / 1000).toFixed(0)}s/${(p.durationMs / 1000).toFixed(0)}s`,
    };
  }
  return { text: `${p.done} in ${(p.elapsedMs / 1000).toFixed(0)}s` };
}

export function formatProgress(p: LoadProgress, withBar: boolean): string {
  const where = position(p);
  const head = withBar && where.fraction !== undefined ? `${bar(where.fraction)} ` : '';
  return (
    `${head}${where.text}  ${p.rps.toFixed(1)} req/s  errors ${p.errors}  ` +
    `p50 ${ms(p.latencyMs.p50)} ms  p99 ${ms(p.latencyMs.p99)} ms  in flight ${p.inFlight}`
  );
}

/** A live line on a TTY, else a plain line every `plainEveryMs` (default 5 s). */
export function createProgressReporter(out: Output, plainEveryMs = 5000): ProgressReporter {
  if (out.isTTY) {
    let drawn = false;
    return {
      intervalMs: 200,
      update(p) {
        out.write(`\r\x1b[2K${formatProgress(p, true)}`);
        drawn = true;
      },
      finish() {
        if (drawn) out.write('\r\x1b[2K');
      },
    };
  }
  return {
    intervalMs: plainEveryMs,
    update: (p) => out.write(`load: ${formatProgress(p, false)}\n`),
    finish: () => {},
  };
}

/** The end-of-run summary for people (`--json` prints the summary object instead). */
export function formatSummary(s: LoadSummary, target: string): string {
  const statuses = Object.entries(s.statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join('  ');
  return [
    `run ${s.runId}  ·  workload ${s.scenario}  ·  seed ${s.seed}  ·  target ${target}`,
    `  requests  ${s.requests} in ${(s.durationMs / 1000).toFixed(2)} s  (${s.rps.toFixed(1)} req/s)`,
    `  statuses  ${statuses || '(none)'}`,
    `  errors    ${s.errors}`,
    `  latency   p50 ${ms(s.latencyMs.p50)} ms  p90 ${ms(s.latencyMs.p90)} ms  ` +
      `p99 ${ms(s.latencyMs.p99)} ms  max ${ms(s.latencyMs.max)} ms`,
  ].join('\n');
}
