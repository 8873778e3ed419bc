/**
 * The sandbox JSON API (DESIGN §3), plus the extras the UI and the compare report need: `/api/runs`,
 * `/api/payloads` and `/api/events` (server-sent events). Query parameters are validated; bad ones get a 400
 * with a message that names the parameter.
 */
import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import { SANDBOX_VENDORS, type SandboxVendor } from './model';
import { NdjsonError, parseNdjson, serializeLine } from './persist';
import type { SandboxStore, StoreEvent } from './store';

/** Largest `limit` any list accepts. */
export const MAX_LIMIT = 100_000;
const DEFAULT_LIMITS = { traces: 100, errors: 500, logs: 1000 } as const;
/** Largest body `/api/import` accepts. */
const IMPORT_LIMIT = '256mb';
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

/** Writes NDJSON respecting backpressure, so exporting a full store doesn't buffer it all in memory. */
async function streamExport(store: SandboxStore, res: Response): Promise<void> {
  res.type('application/x-ndjson');
  res.setHeader('content-disposition', 'attachment; filename="sandbox-export.ndjson"');
  for (const line of store.exportLines()) {
    if (res.destroyed) return;
    if (!res.write(serializeLine(line))) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
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
      stored: store.size,
    });
  });

  api.get('/api/vendors', (_req, res) => {
    res.json(store.vendors());
  });

  api.get('/api/traces', (req, res) => {
    res.json(store.listTraces(recordFilter(req, DEFAULT_LIMITS.traces)));
  });

  api.get('/api/traces/:vendor/:traceId', (req, res) => {
    const vendor = vendorParam(req.params.vendor as string)!;
    const trace = store.getTrace(vendor, req.params.traceId as string);
    if (!trace) throw new HttpError(404, `no trace ${req.params.traceId} from ${vendor}`);
    res.json({ vendor, traceId: req.params.traceId, summary: trace.summary, spans: trace.spans });
  });

  api.get('/api/errors', (req, res) => {
    res.json(store.listErrors(recordFilter(req, DEFAULT_LIMITS.errors)));
  });

  api.get('/api/logs', (req, res) => {
    res.json(store.listLogs(recordFilter(req, DEFAULT_LIMITS.logs)));
  });

  api.get('/api/runs', (_req, res) => {
    res.json(store.listRuns());
  });

  api.get('/api/runs/:run/requests', (req, res) => {
    const seq = intParam(req, 'seq', 0, Number.MAX_SAFE_INTEGER);
    res.json(store.runRequests(req.params.run as string, { seq }));
  });

  api.get('/api/payloads', (req, res) => {
    const since = intParam(req, 'since', 0, Number.MAX_SAFE_INTEGER);
    const until = intParam(req, 'until', 0, Number.MAX_SAFE_INTEGER);
    res.json(store.listPayloads({ vendor: vendorParam(single(req, 'vendor')), since, until }));
  });

  api.get('/api/events', (req, res) => serveEvents(store, req, res));

  api.get('/api/export', async (_req, res) => {
    await streamExport(store, res);
  });

  api.post('/api/import', express.text({ type: () => true, limit: IMPORT_LIMIT }), (req, res) => {
    if (typeof req.body !== 'string') throw new HttpError(400, 'send NDJSON as the request body');
    let lines: ReturnType<typeof parseNdjson>;
    try {
      lines = parseNdjson(req.body);
    } catch (err) {
      if (err instanceof NdjsonError) {
        res.status(400).json({ error: `import refused, nothing stored: ${err.message}`, line: err.line });
        return;
      }
      throw err;
    }
    store.import(lines);
    const count = (k: 'spans' | 'errors' | 'logs') => lines.reduce((n, l) => n + l[k].length, 0);
    res.json({
      imported: {
        lines: lines.length,
        payloads: lines.filter((l) => l.payload).length,
        spans: count('spans'),
        errors: count('errors'),
        logs: count('logs'),
      },
    });
  });

  api.delete('/api/data', (_req, res) => {
    store.clear();
    res.json({ cleared: true });
  });

  return api;
}

/** JSON 404 for unknown /api paths (mounted after every router that serves under /api). */
export const apiNotFound: express.RequestHandler = (req, res) => {
  res.status(404).json({ error: `no route ${req.method} ${req.path}` });
};

/** Every error as JSON with a 4xx/5xx status; the server keeps serving. */
export const apiErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const status = err instanceof HttpError ? err.status : Number(err?.status ?? err?.statusCode) || 500;
  const message = status >= 500 ? 'internal error' : String(err?.message ?? 'bad request');
  if (status >= 500) console.error('[sandbox] request failed:', err);
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).json({ error: message });
};
