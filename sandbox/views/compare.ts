/**
 * The side-by-side view's extras (issue 14): a request picker that shows each request's seq, route, status and
 * injected delay/fault, and each vendor's span names as its console shows them. The columns themselves come
 * from the store's `runRequests` (`/api/runs/:run/requests`).
 */
import { SANDBOX_VENDORS, type SandboxVendor } from '../model';
import type { SandboxStore } from '../store';
import { QueryError } from './query-params';
import { cachedFacts } from './search';
import { type ConsoleName, consoleName } from './span-names';

export interface RequestEntry {
  seq: number;
  route: string | null;
  httpStatus: number | null;
  error: boolean;
  delayMs: number | null;
  fault: string | null;
  /** Vendors whose traces hold this request. */
  vendors: SandboxVendor[];
}

/** One entry per seq of the run, ascending, merged over the vendors' traces (a 500 or a fault in any wins). */
export function requestIndex(store: SandboxStore, run: string): RequestEntry[] {
  const bySeq = new Map<number, RequestEntry>();
  for (const { summary, spans } of store.traceEntries()) {
    if (summary.runId !== run || summary.seq === null) continue;
    const facts = cachedFacts(summary, spans);
    let entry = bySeq.get(summary.seq);
    if (!entry) {
      entry = {
        seq: summary.seq,
        route: null,
        httpStatus: null,
        error: false,
        delayMs: null,
        fault: null,
        vendors: [],
      };
      bySeq.set(summary.seq, entry);
    }
    entry.route ??= facts.route;
    if (facts.httpStatus !== null) entry.httpStatus = Math.max(entry.httpStatus ?? 0, facts.httpStatus);
    entry.error ||= summary.error;
    if (facts.delayMs !== null) entry.delayMs = Math.max(entry.delayMs ?? 0, facts.delayMs);
    entry.fault ??= facts.fault;
    if (!entry.vendors.includes(summary.vendor)) entry.vendors.push(summary.vendor);
  }
  const order = (v: SandboxVendor) => SANDBOX_VENDORS.indexOf(v);
  for (const entry of bySeq.values()) entry.vendors.sort((a, b) => order(a) - order(b));
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** Per vendor, per span id: the name its console shows, for one request's traces. */
export function spanNames(
  store: SandboxStore,
  run: string,
  seq: number,
): Partial<Record<SandboxVendor, Record<string, ConsoleName>>> {
  const out: Partial<Record<SandboxVendor, Record<string, ConsoleName>>> = {};
  for (const { summary, spans } of store.traceEntries()) {
    if (summary.runId !== run || summary.seq !== seq) continue;
    const names = (out[summary.vendor] ??= {});
    for (const span of spans) names[span.spanId] = consoleName(summary.vendor, span);
  }
  return out;
}

export function parseSeq(raw: unknown): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw new QueryError(`query parameter "seq" must be a whole number, got "${String(raw)}"`);
  return Number(raw);
}
