/** Builders for normalized sandbox records, shared by the sandbox unit tests and the UI e2e test. */
import type {
  ErrorRecord,
  IngestBatch,
  LogRecord,
  PayloadMeta,
  SandboxVendor,
  SpanRecord,
} from '../../sandbox/model';

export function span(
  vendor: SandboxVendor,
  traceId: string,
  spanId: string,
  over: Partial<SpanRecord> = {},
): SpanRecord {
  return {
    vendor,
    traceId,
    spanId,
    parentId: null,
    name: `span-${spanId}`,
    service: 'activities',
    kind: 'internal',
    startMs: 1_000,
    durationMs: 10,
    attributes: {},
    native: {},
    status: 'unset',
    ...over,
  };
}

export function error(vendor: SandboxVendor, over: Partial<ErrorRecord> = {}): ErrorRecord {
  return {
    vendor,
    type: 'Error',
    message: 'boom',
    frames: [],
    level: 'error',
    timestamp: 2_000,
    traceId: null,
    spanId: null,
    runId: null,
    seq: null,
    attributes: {},
    native: {},
    ...over,
  };
}

export function log(vendor: SandboxVendor, over: Partial<LogRecord> = {}): LogRecord {
  return {
    vendor,
    timestamp: 2_000,
    level: 'info',
    message: 'hello',
    traceId: null,
    spanId: null,
    runId: null,
    seq: null,
    group: null,
    stream: null,
    attributes: {},
    ...over,
  };
}

export const meta = (bytes = 100, route = '/v1/traces'): PayloadMeta => ({
  route,
  bytes,
  contentType: 'application/json',
});

export const batch = (over: Partial<IngestBatch> = {}): IngestBatch => ({
  spans: [],
  errors: [],
  logs: [],
  ...over,
});

/**
 * One request as a vendor would report it: server root with run/seq, a chaos.latency child, a call to the users
 * service and (optionally) a failing span. `base` is the trace start in ms.
 */
export function requestSpans(
  vendor: SandboxVendor,
  traceId: string,
  run: string,
  seq: number,
  opts: { base?: number; xraySpelling?: boolean; fail?: boolean } = {},
): SpanRecord[] {
  const base = opts.base ?? 1_700_000_000_000;
  const corr = opts.xraySpelling
    ? { bakeoff_run_id: run, bakeoff_seq: seq }
    : { 'bakeoff.run_id': run, 'bakeoff.seq': seq };
  const native: Record<string, Record<string, unknown>> = opts.xraySpelling
    ? { annotations: corr, metadata: { default: { note: 'unindexed' } } }
    : { attributes: corr };
  return [
    span(vendor, traceId, 'a1', {
      name: 'GET /activities',
      kind: 'server',
      startMs: base,
      durationMs: 180,
      attributes: { ...corr, 'http.route': '/activities' },
      native,
      status: opts.fail ? 'error' : 'ok',
    }),
    span(vendor, traceId, 'a2', {
      parentId: 'a1',
      name: 'chaos.latency',
      startMs: base + 5,
      durationMs: 120,
      attributes: { 'chaos.delay_ms': 120, 'chaos.rule': 'slow-list' },
    }),
    span(vendor, traceId, 'a3', {
      parentId: 'a1',
      name: 'GET /profiles',
      kind: 'client',
      startMs: base + 130,
      durationMs: 40,
    }),
    span(vendor, traceId, 'b1', {
      parentId: 'a3',
      name: 'GET /profiles/:id',
      service: 'users',
      kind: 'server',
      startMs: base + 135,
      durationMs: 30,
      status: opts.fail ? 'error' : 'ok',
      attributes: opts.fail ? { 'chaos.fault': 'http_500' } : {},
    }),
  ];
}
