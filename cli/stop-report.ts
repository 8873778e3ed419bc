/**
 * What a stopped service says about its shutdown: which vendors flushed before the deadline. A service run by
 * `bakeoff serve` (an IPC channel to its parent) sends it to the parent, which prints one line for everything
 * it stopped; a service run on its own prints its own line.
 */
import type { Adapter } from '../adapters/types';

export interface StopReport {
  kind: 'bakeoff-stopped';
  role: string;
  port: number;
  /** Adapters whose shutdown (a flush of everything buffered) finished within SHUTDOWN_TIMEOUT_MS. */
  flushed: string[];
  /** Adapters whose shutdown failed or ran out of time. */
  notFlushed: string[];
}

export function isStopReport(message: unknown): message is StopReport {
  return (message as StopReport | undefined)?.kind === 'bakeoff-stopped';
}

/**
 * Records which adapters finish their shutdown. The facade bounds each one by the deadline and reports
 * failures itself, so an adapter missing from `flushed` afterwards either failed or ran out of time.
 */
export function trackFlushes(adapters: readonly Adapter[]): Set<string> {
  const flushed = new Set<string>();
  for (const adapter of adapters) {
    const shutdown = adapter.shutdown.bind(adapter);
    adapter.shutdown = async (timeoutMs) => {
      await shutdown(timeoutMs);
      flushed.add(adapter.name);
    };
  }
  return flushed;
}

/** Sends the report to the supervising `bakeoff serve`, or prints it when there is none. */
export async function deliverStopReport(report: StopReport): Promise<void> {
  if (process.send && process.connected) {
    await new Promise<void>((resolve) => process.send!(report, undefined, {}, () => resolve()));
    return;
  }
  process.stderr.write(`[${report.role}] stopped; ${flushPhrase([report])}\n`);
}

/** `flushed honeycomb, xray` (+ what did not flush, and where), or that there was nothing to flush. */
function flushPhrase(reports: readonly StopReport[]): string {
  const vendors = (names: string[]) => names.filter((name) => name !== 'none');
  const flushed = [...new Set(reports.flatMap((r) => vendors(r.flushed)))];
  const missed = reports.flatMap((r) =>
    vendors(r.notFlushed).map((name) => `${name} (${r.role} :${r.port})`),
  );
  const parts = [];
  if (flushed.length > 0) parts.push(`flushed ${flushed.join(', ')}`);
  if (missed.length > 0) parts.push(`NOT flushed in time: ${missed.join(', ')}`);
  return parts.join('; ') || 'no vendor to flush';
}

/**
 * The supervising `serve`'s one closing line: `bakeoff: stopped demo traffic, activities (:4567, :4577),
 * users (:4568, :4578), sandbox; flushed honeycomb, xray, …`. `others` are what it ran itself; `silent` the
 * services that exited without a report (killed or crashed).
 */
export function stopSummary(
  reports: readonly StopReport[],
  others: { before: string[]; after: string[] },
  silent: readonly string[] = [],
): string {
  const ports = new Map<string, number[]>();
  const sorted = [...reports].sort((a, b) => a.role.localeCompare(b.role) || a.port - b.port);
  for (const r of sorted) ports.set(r.role, [...(ports.get(r.role) ?? []), r.port]);
  const services = [...ports].map(([role, list]) => `${role} (${list.map((p) => `:${p}`).join(', ')})`);
  const stopped = [...others.before, ...services, ...others.after];
  const line = `bakeoff: stopped ${stopped.join(', ') || 'nothing'}; ${flushPhrase(sorted)}`;
  return silent.length > 0 ? `${line}; exited without a report: ${silent.join(', ')}` : line;
}
