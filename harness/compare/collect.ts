/** Reads one vendor's share of a run back from the sandbox's JSON API: everything the report is computed from. */
import type {
  ErrorOccurrence,
  LogRecord,
  PayloadRecord,
  SandboxVendor,
  SpanRecord,
  TraceSummary,
} from '../../shared/sandbox-api';

// The sandbox API's rows, as it declares them (shared/sandbox-api.ts): `/api/traces`, a trace's spans,
// `/api/errors` (occurrences, sandbox/error-occurrences.ts), `/api/logs` and `/api/payloads`.
export type { TraceSummary };
export type SpanView = SpanRecord;
export type ErrorView = ErrorOccurrence;
export type LogView = LogRecord;
export type PayloadView = PayloadRecord;

export interface VendorHaul {
  traces: Array<TraceSummary & { spans: SpanView[] }>;
  errors: ErrorView[];
  logs: LogView[];
  payloads: PayloadView[];
}

async function get<T>(base: string, path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`sandbox ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

const LIMIT = 100_000;

export async function collectVendor(
  sandboxUrl: string,
  vendor: SandboxVendor,
  runId: string,
  window: { since: number; until: number },
): Promise<VendorHaul> {
  const q = `vendor=${vendor}&run=${encodeURIComponent(runId)}&limit=${LIMIT}`;
  const summaries = await get<TraceSummary[]>(sandboxUrl, `/api/traces?${q}`);
  const traces = [];
  for (const summary of summaries) {
    const { spans } = await get<{ spans: SpanView[] }>(
      sandboxUrl,
      `/api/traces/${vendor}/${encodeURIComponent(summary.traceId)}`,
    );
    traces.push({ ...summary, spans });
  }
  const [errors, logs, payloads] = await Promise.all([
    get<ErrorView[]>(sandboxUrl, `/api/errors?${q}`),
    get<LogView[]>(sandboxUrl, `/api/logs?${q}`),
    get<PayloadView[]>(
      sandboxUrl,
      `/api/payloads?vendor=${vendor}&since=${window.since}&until=${window.until}`,
    ),
  ]);
  return { traces, errors, logs, payloads };
}

/** Waits until the vendor's counts stop changing (batches still in flight after shutdown land first). */
export async function waitForQuiet(
  sandboxUrl: string,
  vendor: SandboxVendor,
  quietMs = 1500,
  maxMs = 20_000,
) {
  const deadline = Date.now() + maxMs;
  let last = '';
  let stableSince = Date.now();
  while (Date.now() < deadline) {
    const vendors = await get<Array<{ vendor: string; payloads: number }>>(sandboxUrl, '/api/vendors');
    const now = JSON.stringify(vendors.find((v) => v.vendor === vendor));
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) {
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
