/**
 * Sends a workload plan at the activities service: a fixed number of requests or for a duration, with at
 * most `concurrency` in flight and starts paced to `rate`. Every request carries `x-bakeoff-run` and
 * `x-bakeoff-seq`, so each vendor's data can be matched to it. Failures are counted, never thrown.
 */
import fs from 'node:fs';
import { BakeoffError } from '../../config/errors';
import { planRequest, toHttpRequest } from './plan';
import { TokenBucket } from './rate';
import { LatencyHistogram, type LatencyPercentiles, type Outcome, StatusCounts } from './stats';
import { loadWorkload, type Workload } from './workload';

export const RUN_HEADER = 'x-bakeoff-run';
export const SEQ_HEADER = 'x-bakeoff-seq';
/** Response header in which the service says what chaos injected (app/http/route.ts). */
export const CHAOS_HEADER = 'x-bakeoff-chaos';
export const DEFAULT_TARGET = 'http://127.0.0.1:4567';
export const DEFAULT_REQUESTS = 500;
/** What the services accept as a run id (app/telemetry/request-context.ts ignores anything else). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
/** The correlation header allows at most 9 digits. */
const MAX_SEQ = 999_999_999;

export interface LoadOptions {
  /** Base URL of the activities service. Default `http://127.0.0.1:4567`. */
  target?: string;
  /** Send this many requests. Default 500, unless `durationMs` is given (then: no count limit). */
  requests?: number;
  /** Stop starting requests after this many ms (`Infinity`: until `signal` aborts). With `requests`, whichever ends first. */
  durationMs?: number;
  /** Most requests in flight at once. Default 4. */
  concurrency?: number;
  /** Target request starts per second (token bucket); 0 = as fast as responses allow. Default 0. */
  rate?: number;
  /** Seed of the workload plan: same seed, same requests. Default 1. */
  seed?: number;
  /** Workload name (config/workloads/NAME.yaml), path to a YAML file, or a parsed workload. Default `mixed`. */
  scenario?: string | Workload;
  /** Correlation id sent as `x-bakeoff-run`. Default `run-<UTC timestamp>`. */
  runId?: string;
  /** Per-request timeout in ms; a timed-out request counts as `ERR_TIMEOUT`. Default 10 000. */
  timeoutMs?: number;
  /** Write one NDJSON line per request ({seq, route, status, startMs, endMs}) to this file. */
  recordFile?: string;
  /** Also return every request's record in the summary (memory grows with the run). Default false. */
  keepRecords?: boolean;
  /**
   * Called after each request completes, with the uuid of the activity a create or reply made (not part of the
   * record file: compare uses it to check the notifications that activity caused). Must not throw.
   */
  onRequest?: (record: RequestRecord, outcome: { activityUuid?: string }) => void;
  /** Called every `progressIntervalMs` while the run lasts. Must not throw. */
  onProgress?: (progress: LoadProgress) => void;
  /** Default 200 ms (five redraws a second). */
  progressIntervalMs?: number;
  /** Aborting stops new requests and aborts those in flight (counted as `ERR_ABORTED`). */
  signal?: AbortSignal;
}

/** One request as sent. Times are epoch milliseconds (sub-ms precision), comparable with sandbox receive times. */
export interface RequestRecord {
  seq: number;
  /** Route template, e.g. `POST /api/activities/:uuid/reply`. */
  route: string;
  /** HTTP status, or `ERR_<code>` when no response arrived. */
  status: Outcome;
  startMs: number;
  endMs: number;
  /** The service's `x-bakeoff-chaos` response header (what chaos injected), when it sent one. */
  chaos?: string;
}

export interface LoadProgress {
  runId: string;
  done: number;
  /** The request count, when the run has one. */
  total?: number;
  /** The duration, when the run has one. */
  durationMs?: number;
  elapsedMs: number;
  inFlight: number;
  rps: number;
  errors: number;
  latencyMs: LatencyPercentiles;
}

export interface LoadSummary {
  runId: string;
  seed: number;
  /** The workload's name. */
  scenario: string;
  /** Requests sent (and answered or failed). */
  requests: number;
  durationMs: number;
  rps: number;
  /** `{"200": n, "404": n, "ERR_ECONNREFUSED": n, …}` */
  statuses: Record<string, number>;
  /** Requests answered 4xx/5xx or not answered at all. */
  errors: number;
  latencyMs: LatencyPercentiles;
  /** Present when `keepRecords` was set. */
  records?: RequestRecord[];
}

interface ResolvedOptions {
  target: string;
  requests?: number;
  durationMs?: number;
  concurrency: number;
  rate: number;
  seed: number;
  workload: Workload;
  runId: string;
  timeoutMs: number;
}

export function defaultRunId(prefix = 'run', at: Date = new Date()): string {
  // 2024-05-01T12:34:56.789Z → 20240501T123456789Z: fits the run-id pattern and sorts by time.
  return `${prefix}-${at.toISOString().replace(/[-:.]/g, '')}`;
}

const usage = (message: string) => new BakeoffError('BAKEOFF_ERR_USAGE', message);

/** Validates and defaults the options once, with messages that name the option. */
export function resolveLoadOptions(options: LoadOptions): ResolvedOptions {
  const target = (options.target ?? DEFAULT_TARGET).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw usage(`target must be an http(s) URL, got "${target}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usage('target must be an http(s) URL');
  const isCount = (n: number | undefined, min: number) =>
    n === undefined || (Number.isInteger(n) && n >= min);
  if (!isCount(options.requests, 1) || (options.requests ?? 0) > MAX_SEQ) {
    throw usage(`requests must be an integer from 1 to ${MAX_SEQ}`);
  }
  if (options.durationMs !== undefined && !(options.durationMs > 0)) throw usage('duration must be > 0');
  if (!isCount(options.concurrency, 1) || (options.concurrency ?? 0) > 10_000) {
    throw usage('concurrency must be an integer from 1 to 10000');
  }
  if (options.rate !== undefined && !(Number.isFinite(options.rate) && options.rate >= 0)) {
    throw usage('rate must be a number ≥ 0 (0 = as fast as possible)');
  }
  if (!isCount(options.seed, 0) || (options.seed ?? 0) > 0xffffffff) {
    throw usage('seed must be an integer from 0 to 4294967295');
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw usage('timeout must be > 0');
  const runId = options.runId ?? defaultRunId();
  if (!RUN_ID_PATTERN.test(runId)) {
    throw usage(`run id must be 1–64 letters, digits, or _ . : - (got "${runId}")`);
  }
  const scenario = options.scenario ?? 'mixed';
  return {
    target,
    requests: options.requests ?? (options.durationMs === undefined ? DEFAULT_REQUESTS : undefined),
    durationMs: options.durationMs,
    concurrency: options.concurrency ?? 4,
    rate: options.rate ?? 0,
    seed: options.seed ?? 1,
    workload: typeof scenario === 'string' ? loadWorkload(scenario) : scenario,
    runId,
    timeoutMs: options.timeoutMs ?? 10_000,
  };
}

/** `ERR_<code>` for a fetch failure: timeouts, aborts, and the socket error undici wraps in `cause`. */
export function errorOutcome(error: unknown): Outcome {
  const err = error as { name?: string; code?: unknown; cause?: { code?: unknown; name?: string } };
  if (err?.name === 'TimeoutError' || err?.cause?.name === 'TimeoutError') return 'ERR_TIMEOUT';
  if (err?.name === 'AbortError' || err?.cause?.name === 'AbortError') return 'ERR_ABORTED';
  const code = [err?.cause?.code, err?.code].find((c): c is string => typeof c === 'string' && c.length > 0);
  if (!code) return 'ERR_UNKNOWN';
  const clean = code.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return clean.startsWith('ERR_') ? (clean as Outcome) : `ERR_${clean}`;
}

/** Wall-clock epoch ms with sub-millisecond precision, monotonic within the run. */
const epochNow = () => Math.round((performance.timeOrigin + performance.now()) * 1000) / 1000;

/** Runs the load and resolves with its summary. Throws only for invalid options or an unwritable record file. */
export async function runLoad(options: LoadOptions = {}): Promise<LoadSummary> {
  const opts = resolveLoadOptions(options);
  const { workload, seed, runId } = opts;
  const latency = new LatencyHistogram();
  const statuses = new StatusCounts();
  const records: RequestRecord[] | undefined = options.keepRecords ? [] : undefined;
  const recorder = options.recordFile ? openRecorder(options.recordFile) : undefined;
  const bucket = opts.rate > 0 ? new TokenBucket(opts.rate) : undefined;
  // Aborts in-flight requests when the caller aborts; also stops the pacing wait at once.
  const stop = new AbortController();
  const inFlightRequests = new Set<AbortController>();
  const onCallerAbort = () => {
    stop.abort();
    for (const request of inFlightRequests) request.abort();
  };
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (options.signal?.aborted) onCallerAbort();

  const started = performance.now();
  let nextSeq = 1;
  let done = 0;
  let inFlight = 0;
  /** Uuids of recent creates by seq, for the replies planned against them (bounded by the reply window). */
  const creates = new Map<number, Promise<string | undefined>>();

  const timeIsUp = () => opts.durationMs !== undefined && performance.now() - started >= opts.durationMs;
  const allocate = (): number | undefined => {
    if (stop.signal.aborted || timeIsUp()) return undefined;
    if (opts.requests !== undefined && nextSeq > opts.requests) return undefined;
    if (nextSeq > MAX_SEQ) return undefined;
    return nextSeq++;
  };

  const elapsed = () => performance.now() - started;
  const progress = (): LoadProgress => ({
    runId,
    done,
    total: opts.requests,
    durationMs: Number.isFinite(opts.durationMs) ? opts.durationMs : undefined,
    elapsedMs: elapsed(),
    inFlight,
    rps: done / Math.max(elapsed() / 1000, 1e-3),
    errors: statuses.errors,
    latencyMs: latency.percentiles(),
  });
  const ticker = options.onProgress
    ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 200)
    : undefined;
  ticker?.unref();

  async function worker(): Promise<void> {
    for (let seq = allocate(); seq !== undefined; seq = allocate()) {
      const planned = planRequest(workload, seed, seq);
      // Taken now, synchronously: later allocations prune the map.
      const parent =
        planned.kind === 'reply' && planned.parentSeq ? creates.get(planned.parentSeq) : undefined;
      let settleCreate: ((uuid: string | undefined) => void) | undefined;
      if (planned.kind === 'create') creates.set(seq, new Promise((resolve) => (settleCreate = resolve)));
      creates.delete(seq - workload.replyWindow - 1);
      try {
        if (bucket) await bucket.take(stop.signal);
        if (stop.signal.aborted || timeIsUp()) return;
        const parentUuid = parent ? await parent : undefined;
        const { method, path, body } = toHttpRequest(planned, parentUuid);
        inFlight++;
        const startMs = epochNow();
        const t0 = performance.now();
        let status: Outcome;
        let chaos: string | undefined;
        let activityUuid: string | undefined;
        // One controller per request rather than AbortSignal.any(), whose listeners pile up on the run's
        // signal during an endless demo run.
        const request = new AbortController();
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          request.abort();
        }, opts.timeoutMs);
        inFlightRequests.add(request);
        try {
          const res = await fetch(opts.target + path, {
            method,
            headers: {
              [RUN_HEADER]: runId,
              [SEQ_HEADER]: String(seq),
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
            signal: request.signal,
          });
          // Always read the body: it releases the keep-alive connection and counts transfer time.
          const text = await res.text();
          status = res.status;
          chaos = res.headers.get(CHAOS_HEADER) ?? undefined;
          if (res.status === 201) activityUuid = uuidIn(text);
          if (planned.kind === 'create' && res.status === 201) settleCreate?.(activityUuid);
        } catch (error) {
          status = timedOut ? 'ERR_TIMEOUT' : errorOutcome(error);
        } finally {
          clearTimeout(timer);
          inFlightRequests.delete(request);
        }
        const latencyMs = performance.now() - t0;
        inFlight--;
        done++;
        latency.record(latencyMs);
        statuses.record(status);
        const record: RequestRecord = { seq, route: planned.route, status, startMs, endMs: epochNow() };
        if (chaos) record.chaos = chaos;
        records?.push(record);
        recorder?.write(record);
        options.onRequest?.(record, { activityUuid });
      } finally {
        // A failed (or never sent) create sends its replies to the planned seed activity instead.
        settleCreate?.(undefined);
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: opts.concurrency }, () => worker()));
  } finally {
    if (ticker) clearInterval(ticker);
    options.signal?.removeEventListener('abort', onCallerAbort);
  }
  const durationMs = elapsed();
  await recorder?.close();
  return {
    runId,
    seed,
    scenario: workload.name,
    requests: done,
    durationMs: Math.round(durationMs),
    rps: Math.round((done / Math.max(durationMs / 1000, 1e-3)) * 100) / 100,
    statuses: statuses.toJSON(),
    errors: statuses.errors,
    latencyMs: latency.percentiles(),
    ...(records ? { records } : {}),
  };
}

function uuidIn(body: string): string | undefined {
  try {
    const uuid = (JSON.parse(body) as { uuid?: unknown })?.uuid;
    return typeof uuid === 'string' ? uuid : undefined;
  } catch {
    return undefined;
  }
}

/** An NDJSON writer. The file is opened at once, so a bad path fails before any request is sent. */
function openRecorder(file: string): { write(record: RequestRecord): void; close(): Promise<void> } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'w');
  } catch (err) {
    throw usage(`cannot write the record file: ${(err as Error).message}`);
  }
  const stream = fs.createWriteStream('', { fd });
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure ??= err;
  });
  return {
    write(record) {
      if (!failure) stream.write(`${JSON.stringify(record)}\n`);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failure) return reject(new Error(`writing ${file} failed: ${failure.message}`));
        stream.end(() =>
          failure ? reject(new Error(`writing ${file} failed: ${failure.message}`)) : resolve(),
        );
      }),
  };
}
