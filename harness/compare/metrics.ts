/**
 * The report card's figures for one vendor, computed only from what the sandbox received and what the load
 * generator saw — never assumed from what an SDK is supposed to do.
 */
import type { Signal } from '../../adapters/types';
import { ROUTES } from '../load/plan';
import { type AsyncFacts, type AsyncMetrics, computeAsyncMetrics, messageIdOf } from './async';
import type { VendorHaul } from './collect';
import type { LatencyDelta } from './latency-noise';
import { percentile, round } from './percentile';

/** The worker's service name (app/server.ts); Datadog's AWS SDK spans add a suffix (`notifications-aws-sqs`). */
const WORKER_SERVICE = 'notifications';

/** One request as the load generator saw it, with what chaos told the client it injected. */
export interface SentRequest {
  seq: number;
  route: string;
  status: number | string;
  endMs: number;
  latencyMs: number;
  /** The `x-bakeoff-chaos` header: `rule=…;delay_ms=…;fault=…`. */
  chaos: string | null;
}

/** The facade's keys the report looks for, and the vendor-native spellings it accepts for them. */
export const FACADE_KEYS = [
  'bakeoff.run_id',
  'bakeoff.seq',
  'app.user_handle',
  'app.result_length',
  'app.now',
  'chaos.delay_ms',
  'chaos.rule',
  'chaos.fault',
  'db.statement',
  'db.system',
] as const;

export interface VendorMetrics {
  signals: Signal[];
  expected: number;
  delivered: number;
  spansPerRequest: number | null;
  /** Of the delivered traces whose request called the users service, the share that include its spans (0–1). */
  crossServiceLinked: number | null;
  /** Facade key → the name it arrived under (`bag:key`), or null when it was lost. */
  attributesKept: Record<string, string | null>;
  errorsInjected: number;
  /**
   * Error occurrences of this run's requests, counted by the rule `/api/errors` applies
   * (sandbox/error-occurrences.ts); null for the `none` baseline, which sends nothing.
   */
  errorsCaptured: number | null;
  /** The native records behind those occurrences (e.g. X-Ray's cause on each subsegment): a fidelity fact. */
  errorRecords: number | null;
  /** Captured occurrences that carry stack frames / link to a trace. */
  errorsWithFrames: number | null;
  errorsLinkedToTrace: number | null;
  logLines: number;
  timingErrorMsP50: number | null;
  timingErrorMsP99: number | null;
  bytesPerRequest: number;
  payloadsPerRequest: number;
  /**
   * p50 of (when the sandbox first received a request's trace − when the client had the whole response), both
   * read from this machine's clock. Negative when the data arrives before the response does (X-Ray's UDP segment
   * leaves as the segment closes, while the response is still on its way to the client).
   */
  timeToVisibleMsP50: number | null;
  latencyMsP50: number | null;
  latencyMsP99: number | null;
  /** Overhead against the `none` run of the same compare; null for `none` itself or without a `none` run. */
  latencyVsNone: LatencyDelta | null;
  propagationHeaders: string[];
  /** The notifications hop (harness/compare/async.ts); null for the `none` baseline, which sends nothing. */
  async: ({ notifying: number } & AsyncMetrics) | null;
}

export function injectedFault(request: SentRequest): boolean {
  return /(^|;)fault=/.test(request.chaos ?? '') || Number(request.status) >= 500;
}

function findKey(bags: Array<[string, Record<string, unknown> | undefined]>, key: string): string | null {
  const variants = [key, key.replace(/[^A-Za-z0-9_]/g, '_'), `metadata.${key}`];
  for (const [bagName, bag] of bags) {
    if (!bag) continue;
    for (const v of variants) if (v in bag) return `${bagName}:${v}`;
  }
  return null;
}

export type { AsyncMetrics };

export function computeMetrics(input: {
  signals: readonly Signal[];
  haul: VendorHaul;
  sent: readonly SentRequest[];
  propagationHeaders: string[];
  /** Seqs whose request reached the users service (some fail or find nothing before they would call it). */
  usersCalled: ReadonlySet<number>;
  /** The notifications hop as compare saw it outside the vendor's data (dead letters, worker bytes, mentions). */
  asyncFacts?: AsyncFacts;
}): VendorMetrics {
  const { haul, sent, signals } = input;
  const requests = sent.length;
  const bySeq = new Map(sent.map((r) => [r.seq, r]));
  const errorsInjected = sent.filter(injectedFault).length;

  // Traces: one per request, rooted in the activities service. A trace only the notifications worker made
  // (the OTel adapters file an error captured outside any span as a span of its own, with the message's seq) is
  // the Async table's, not a request's.
  const rootTraces = haul.traces.filter(
    (t) => t.seq !== null && bySeq.has(t.seq) && !t.services.every((s) => s.startsWith(WORKER_SERVICE)),
  );
  const tracedSeqs = new Set(rootTraces.map((t) => t.seq));
  const spans = rootTraces.flatMap((t) => t.spans);
  const calling = rootTraces.filter((t) => input.usersCalled.has(t.seq!));
  const linked = calling.filter((t) => t.services.includes('users')).length;

  // Timing fidelity: how far each recorded chaos.latency span is from the delay actually injected.
  const timingErrors: number[] = [];
  for (const span of spans) {
    if (span.name !== 'chaos.latency') continue;
    const injected = Number(span.attributes['chaos.delay_ms'] ?? span.attributes.chaos_delay_ms);
    if (Number.isFinite(injected)) timingErrors.push(span.durationMs - injected);
  }

  // Errors: /api/errors rows (one per occurrence, the same rule the UI shows) of this run's requests. The
  // worker's failures carry the originating request's seq too, but they are the Async table's (a record that
  // names a queue message), not the request's.
  const ofRequest = (r: { seq: number | null; attributes: Record<string, unknown> }) =>
    r.seq !== null && bySeq.has(r.seq) && messageIdOf(r.attributes) === undefined;
  const capturedErrors = haul.errors.filter(ofRequest);
  const sendsNothing = signals.length === 0;
  const errorsCaptured = sendsNothing ? null : capturedErrors.length;

  const logSeqs = new Set(haul.logs.filter(ofRequest).map((l) => l.seq));

  // What arrived under which name: spans for tracers, error events, then log lines.
  const bags: Array<[string, Record<string, unknown> | undefined]> = [];
  for (const span of spans) {
    for (const [name, bag] of Object.entries(span.native ?? {})) bags.push([name, bag]);
    bags.push(['attributes', span.attributes]);
  }
  // A log shipper's error rows are its own log lines (read as errors): they count under `log`.
  if (signals.includes('errors')) for (const e of haul.errors) bags.push(['error', e.attributes]);
  for (const l of haul.logs) bags.push(['log', l.attributes]);
  const attributesKept: Record<string, string | null> = {};
  for (const key of FACADE_KEYS) attributesKept[key] = findKey(bags, key);

  const visible = rootTraces
    .map((t) => {
      const req = bySeq.get(t.seq!);
      return req ? t.receivedAt - req.endMs : null;
    })
    .filter((v): v is number => v !== null);

  const latencies = sent.map((r) => r.latencyMs);
  const bytes = haul.payloads.reduce((sum, p) => sum + p.bytes, 0);
  let expected = requests;
  let delivered = tracedSeqs.size;
  if (!signals.includes('traces')) {
    if (signals.includes('logs')) delivered = logSeqs.size;
    else if (signals.includes('errors')) {
      expected = errorsInjected;
      delivered = errorsCaptured ?? 0;
    } else {
      expected = 0;
      delivered = 0;
    }
  }
  const countErrors = (pick: (e: (typeof capturedErrors)[number]) => boolean) =>
    sendsNothing ? null : capturedErrors.filter(pick).length;
  return {
    signals: [...signals],
    expected,
    delivered,
    spansPerRequest: rootTraces.length > 0 ? round(spans.length / rootTraces.length) : null,
    crossServiceLinked: calling.length > 0 ? round(linked / calling.length, 3) : null,
    attributesKept,
    errorsInjected,
    errorsCaptured,
    errorRecords: sendsNothing ? null : capturedErrors.reduce((sum, e) => sum + (e.recordCount ?? 1), 0),
    errorsWithFrames: countErrors((e) => e.frames.length > 0),
    errorsLinkedToTrace: countErrors((e) => e.traceId !== null),
    logLines: haul.logs.length,
    timingErrorMsP50: round(percentile(timingErrors, 50)),
    timingErrorMsP99: round(percentile(timingErrors, 99)),
    bytesPerRequest: requests > 0 ? Math.round(bytes / requests) : 0,
    payloadsPerRequest: requests > 0 ? (round(haul.payloads.length / requests, 3) ?? 0) : 0,
    timeToVisibleMsP50: round(percentile(visible, 50), 0),
    latencyMsP50: round(percentile(latencies, 50)),
    latencyMsP99: round(percentile(latencies, 99)),
    // Needs every vendor's run: filled in by runCompare once they are all done.
    latencyVsNone: null,
    propagationHeaders: input.propagationHeaders,
    async: sendsNothing
      ? null
      : {
          notifying: sent.filter(sendsNotification).length,
          ...computeAsyncMetrics(haul, signals.includes('traces'), input.asyncFacts),
        },
  };
}

/** Creates and replies that succeeded: each one sent a notification message (app/notifications/producer.ts). */
export function sendsNotification(request: SentRequest): boolean {
  const ok = Number(request.status) >= 200 && Number(request.status) < 300;
  return ok && (request.route === ROUTES.create || request.route === ROUTES.reply);
}

/** "captures X, misses Y" for the verdict table. */
export function verdict(m: VendorMetrics): { captures: string[]; misses: string[] } {
  const captures: string[] = [];
  const misses: string[] = [];
  const note = (ok: boolean, what: string) => (ok ? captures : misses).push(what);
  if (m.signals.includes('traces')) {
    note(m.delivered === m.expected, `${m.delivered}/${m.expected} traces`);
    note((m.crossServiceLinked ?? 0) >= 0.99, 'cross-service traces');
    if (m.timingErrorMsP50 !== null) note(Math.abs(m.timingErrorMsP50) <= 2, 'injected latency to ±2 ms');
  }
  if (m.signals.includes('errors') || m.signals.includes('logs')) {
    if (m.errorsInjected > 0 && m.errorsCaptured !== null)
      note(m.errorsCaptured >= m.errorsInjected, `${m.errorsCaptured}/${m.errorsInjected} errors`);
  }
  if (m.signals.includes('logs'))
    note(m.delivered === m.expected, `${m.delivered}/${m.expected} request logs`);
  // Span annotations can only survive in a tracer; error trackers and log shippers are judged on correlation.
  const relevant = m.signals.includes('traces') ? FACADE_KEYS : ['bakeoff.run_id', 'bakeoff.seq'];
  const lost = relevant.filter((k) => m.attributesKept[k] === null);
  if (m.signals.length > 0 && lost.length > 0) misses.push(`attributes ${lost.join(', ')}`);
  if (m.signals.length === 0) captures.push('nothing (baseline)');
  return { captures, misses };
}
