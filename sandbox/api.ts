/**
 * The sandbox JSON API (DESIGN §3), plus the extras the UI and the compare report need: `/api/runs`,
 * `/api/payloads` and `/api/events` (server-sent events). Query parameters are validated; bad ones get a 400
 * with a message that names the parameter.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { listOccurrences } from './error-occurrences';
import { bodyChunks, checkDeclaredLength, IngestHttpError } from './ingest/body';
import { drained, sendJsonArray } from './json-stream';
import { SANDBOX_VENDORS, type SandboxVendor } from './model';
import { NdjsonError, NdjsonSplitter, parseLine, serializeLine } from './persist';
import type { PreparedLine, SandboxStore, StoreEvent } from './store';
import { VENDOR_MANIFEST } from './vendor-manifest';
import { analysisRouter } from './views/analysis-api';
import { controlRouter } from './views/load-control';
import { searchRouter } from './views/search-api';

/** Largest `limit` any list accepts. */
export const MAX_LIMIT = 100_000;
const DEFAULT_LIMITS = { traces: 100, errors: 500, logs: 1000 } as const;
/** Largest body `/api/import` accepts. */
export const IMPORT_LIMIT = 256 * 1024 * 1024;
/** A streaming import hands the event loop back this often, so the API keeps answering meanwhile. */
const IMPORT_SLICE_MS = 20;
/** SSE: data events are coalesced over this window so a busy load test doesn't flood the browser. */
const EVENT_COALESCE_MS = 200;
const EVENT_HEARTBEAT_MS = 20_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function single(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `query parameter "${name}" must be given once`);
  return value;
}

function vendorParam(value: string | undefined, name = 'vendor'): SandboxVendor | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(SANDBOX_VENDORS as readonly string[]).includes(value)) {
    throw new HttpError(400, `${name} "${value}" is not one of ${SANDBOX_VENDORS.join(', ')}`);
  }
  return value as SandboxVendor;
}

function intParam(req: Request, name: string, min: number, max: number): number | undefined {
  const raw = single(req, name);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      `query parameter "${name}" must be an integer from ${min} to ${max}, got "${raw}"`,
    );
  }
  return n;
}

function recordFilter(req: Request, defaultLimit: number) {
  const run = single(req, 'run');
  const traceId = single(req, 'trace');
  return {
    vendor: vendorParam(single(req, 'vendor')),
    run: run === '' ? undefined : run,
    traceId: traceId === '' ? undefined : traceId,
    limit: intParam(req, 'limit', 1, MAX_LIMIT) ?? defaultLimit,
  };
}

/**
 * Writes NDJSON respecting backpressure, so exporting a full store doesn't buffer it all in memory. A failure
 * part-way destroys the response, so the client sees an error rather than a clean end of a truncated file.
 */
async function streamExport(store: SandboxStore, res: Response): Promise<void> {
  res.type('application/x-ndjson');
  res.setHeader('content-disposition', 'attachment; filename="sandbox-export.ndjson"');
  try {
    for (const line of store.exportLines()) {
      if (res.destroyed) return;
      if (!res.write(serializeLine(line))) await drained(res);
    }
  } catch (err) {
    console.error('[sandbox] export failed part-way:', err);
    res.destroy(err as Error);
    return;
  }
  res.end();
}

/** Imported NDJSON line counts, for the answer. */
function importCounts(prepared: PreparedLine[]) {
  const count = (k: 'spans' | 'errors' | 'logs') => prepared.reduce((n, p) => n + p.line[k].length, 0);
  return {
    lines: prepared.length,
    payloads: prepared.filter((p) => p.line.payload).length,
    spans: count('spans'),
    errors: count('errors'),
    logs: count('logs'),
  };
}

/**
 * Reads, validates and bounds an import line by line as the body arrives, then stores it all at once: a bad
 * line is refused (400, naming it) as soon as it arrives, with nothing stored and the rest of the body unread.
 * The work is sliced so the API keeps answering while a 150 MB import streams in.
 */
async function streamImport(store: SandboxStore, req: Request, res: Response): Promise<void> {
  checkDeclaredLength(req, IMPORT_LIMIT);
  const splitter = new NdjsonSplitter();
  const prepared: PreparedLine[] = [];
  const take = (raw: { text: string; line: number }) =>
    prepared.push(store.prepare(parseLine(raw.text, raw.line)));
  let size = 0;
  let sliceStart = performance.now();
  try {
    for await (const chunk of bodyChunks(req)) {
      // Counted after decompression, so a small gzip body cannot inflate past the limit either.
      size += chunk.length;
      if (size > IMPORT_LIMIT)
        throw new IngestHttpError(413, `import exceeds the ${IMPORT_LIMIT}-byte limit`);
      for (const raw of splitter.push(chunk)) take(raw);
      if (performance.now() - sliceStart > IMPORT_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = performance.now();
      }
    }
    for (const raw of splitter.end()) take(raw);
  } catch (err) {
    if (!req.socket || req.socket.destroyed) return; // the client went away mid-upload: nobody to answer
    // The rest of the body is not read: the answer is final, and the connection closes after it.
    res.setHeader('connection', 'close');
    if (!(err instanceof NdjsonError)) throw err;
    res.status(400).json(errorBody(`import refused, nothing stored: ${err.message}`, { line: err.line }));
    return;
  }
  await store.commitInSlices(prepared, () => yieldToEventLoop(), IMPORT_SLICE_MS);
  res.json({ imported: importCounts(prepared) });
}

function serveEvents(store: SandboxStore, req: Request, res: Response): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write('retry: 2000\n\n');
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  let pending: { vendors: Set<SandboxVendor>; spans: number; errors: number; logs: number } | null = null;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    if (!pending) return;
    send({
      type: 'data',
      vendors: [...pending.vendors],
      spans: pending.spans,
      errors: pending.errors,
      logs: pending.logs,
    });
    pending = null;
  };
  const unsubscribe = store.subscribe((event: StoreEvent) => {
    if (event.type === 'clear') {
      pending = null;
      send({ type: 'clear' });
      return;
    }
    pending ??= { vendors: new Set(), spans: 0, errors: 0, logs: 0 };
    pending.vendors.add(event.vendor);
    pending.spans += event.spans;
    pending.errors += event.errors;
    pending.logs += event.logs;
    timer ??= setTimeout(flush, EVENT_COALESCE_MS);
  });
  const heartbeat = setInterval(() => res.write(': ping\n\n'), EVENT_HEARTBEAT_MS);
  heartbeat.unref();
  req.on('close', () => {
    unsubscribe();
    clearInterval(heartbeat);
    if (timer) clearTimeout(timer);
  });
}

export function apiRouter(store: SandboxStore, options: { startedAt?: number } = {}): express.Router {
  const startedAt = options.startedAt ?? Date.now();
  const api = express.Router();

  api.get('/api/health', (_req, res) => {
    res.json({
      status: 'ok',
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      // What is held against the caps and the byte budget; the oldest records are evicted past them.
      stored: store.size,
      caps: store.caps,
    });
  });

  api.get('/api/vendors', (_req, res) => {
    res.json(store.vendors());
  });

  api.get('/api/vendor-manifest', (_req, res) => {
    res.json(VENDOR_MANIFEST);
  });

  // Lists are streamed (json-stream.ts): their size is bounded by the store's byte budget, not by one string.
  api.get('/api/traces', async (req, res) => {
    await sendJsonArray(res, store.listTraces(recordFilter(req, DEFAULT_LIMITS.traces)));
  });

  api.get('/api/traces/:vendor/:traceId', async (req, res) => {
    const vendor = vendorParam(req.params.vendor as string)!;
    const trace = store.getTrace(vendor, req.params.traceId as string);
    if (!trace) throw new HttpError(404, `no trace ${req.params.traceId} from ${vendor}`);
    const head = { vendor, traceId: req.params.traceId, summary: trace.summary };
    await sendJsonArray(res, trace.spans, { head, key: 'spans' });
  });

  api.get('/api/errors', async (req, res) => {
    // One row per occurrence, the vendor's native records inside it (error-occurrences.ts).
    await sendJsonArray(res, listOccurrences(store, recordFilter(req, DEFAULT_LIMITS.errors)));
  });

  api.get('/api/logs', async (req, res) => {
    await sendJsonArray(res, store.listLogs(recordFilter(req, DEFAULT_LIMITS.logs)));
  });

  api.get('/api/runs', (_req, res) => {
    res.json(store.listRuns());
  });

  api.get('/api/runs/:run/requests', async (req, res) => {
    const seq = intParam(req, 'seq', 0, Number.MAX_SAFE_INTEGER);
    const { requests, ...head } = store.runRequests(req.params.run as string, { seq });
    await sendJsonArray(res, requests, { head, key: 'requests' });
  });

  api.get('/api/payloads', async (req, res) => {
    const since = intParam(req, 'since', 0, Number.MAX_SAFE_INTEGER);
    const until = intParam(req, 'until', 0, Number.MAX_SAFE_INTEGER);
    await sendJsonArray(
      res,
      store.listPayloads({ vendor: vendorParam(single(req, 'vendor')), since, until }),
    );
  });

  api.get('/api/events', (req, res) => serveEvents(store, req, res));

  api.get('/api/export', async (_req, res) => {
    await streamExport(store, res);
  });

  api.post('/api/import', async (req, res) => {
    await streamImport(store, req, res);
  });

  api.delete('/api/data', (_req, res) => {
    store.clear();
    res.json({ cleared: true });
  });

  // The console views (issue 14), each in its own file under sandbox/views/.
  api.use(searchRouter(store));
  api.use(controlRouter());
  api.use(analysisRouter(store));

  return api;
}

/**
 * Every JSON API error body: `error` for the UI and harness, and Rollbar's error shape (`err: 1`, `message`)
 * because a rollbar.js pointed at a mistyped `/api/...` endpoint reads only those: without a truthy `err` it
 * logs "Successful api response" and its items vanish.
 */
function errorBody(message: string, extra: Record<string, unknown> = {}) {
  return { err: 1, message, error: message, ...extra };
}

/**
 * JSON 404 for unknown /api paths (mounted after every router that serves under /api). The path is shown whole
 * (the mount point included) and without its query, which may carry a key.
 */
export const apiNotFound: express.RequestHandler = (req, res) => {
  res.status(404).json(errorBody(`no route ${req.method} ${req.baseUrl}${req.path}`));
};

/**
 * Every error as JSON with a 4xx/5xx status; the server keeps serving. An error after the answer has started
 * destroys it: ending it cleanly would hand the client a truncated body that looks complete.
 */
export const apiErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = err instanceof HttpError ? err.status : Number(err?.status ?? err?.statusCode) || 500;
  const message = status >= 500 ? 'internal error' : String(err?.message ?? 'bad request');
  if (status >= 500) console.error('[sandbox] request failed:', err);
  if (res.headersSent) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  res.status(status).json(errorBody(message));
};
