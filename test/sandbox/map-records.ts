/**
 * One request (activities → its SQLite, activities → users → users' SQLite) as each tracing vendor's SDK reports
 * it, decoded as the sandbox stores it (cf. a `bakeoff compare` export): OTel client spans with `db.system` and a
 * `users.lookup` client span (`peer.service`) wrapping the HTTP client span; X-Ray `remote` subsegments with an
 * `sql` block and underscore annotations; Sentry ops `db` / `http.client`; Datadog `span.type` `sql` / `http` with
 * `out.host`. Plus an SQS hop (producer/consumer with `messaging.system`), Rollbar items and CloudWatch access-log
 * lines, for the service map, latency and error-group tests.
 */
import type { SandboxVendor, SpanRecord } from '../../sandbox/model';
import type { SandboxStore } from '../../sandbox/store';
import { batch, error, log, meta, span } from './records';

export const TRACING = ['honeycomb', 'xray', 'sentry', 'datadog'] as const;

export interface Call {
  run: string;
  seq: number;
  base: number;
  /** Root duration; the users call takes half of it. */
  durationMs: number;
  fail?: boolean;
  handle?: string;
}

/** Distinct per vendor, run and seq, in each vendor's id format. */
const traceIdOf = (vendor: SandboxVendor, run: string, seq: number) => {
  const n = `${Buffer.from(run).toString('hex').slice(0, 10)}${String(seq).padStart(6, '0')}`;
  return vendor === 'xray'
    ? `1-6b0d5f3e-${n.padStart(24, '0')}`
    : `${vendor.slice(0, 2)}${n}`.padEnd(32, '0');
};

/** Vendor-specific attributes of the four span roles. */
interface Shapes {
  root: Record<string, unknown>;
  db: Record<string, unknown>;
  dbNative: Record<string, Record<string, unknown>>;
  lookup: Record<string, unknown>;
  http: Record<string, unknown>;
}

function shapes(vendor: (typeof TRACING)[number], c: Call): Shapes {
  const corr =
    vendor === 'xray'
      ? { bakeoff_run_id: c.run, bakeoff_seq: c.seq }
      : { 'bakeoff.run_id': c.run, 'bakeoff.seq': c.seq };
  const handle =
    vendor === 'xray' ? { app_user_handle: c.handle ?? 'ada' } : { 'app.user_handle': c.handle ?? 'ada' };
  const status = c.fail ? 500 : 200;
  switch (vendor) {
    case 'xray':
      return {
        root: { ...corr, ...handle, http_route: '/api/activities/home', 'http.response.status': status },
        db: { 'sql.database_type': 'sqlite', db_system: 'sqlite', 'xray.namespace': 'remote' },
        dbNative: { sql: { database_type: 'sqlite' } },
        lookup: { peer_service: 'users', 'xray.namespace': 'remote' },
        http: { 'http.request.url': 'http://127.0.0.1:4568/api/users', 'xray.namespace': 'remote' },
      };
    case 'datadog':
      return {
        root: {
          ...corr,
          ...handle,
          'http.route': '/api/activities/home',
          'http.status_code': String(status),
          'span.type': 'web',
          'resource.name': 'GET /api/activities/home',
        },
        db: { 'db.system': 'sqlite', 'span.type': 'sql', 'resource.name': 'db.query' },
        dbNative: {},
        lookup: { 'peer.service': 'users', 'span.type': 'http' },
        http: { 'out.host': '127.0.0.1', 'network.destination.port': 4568, 'span.type': 'http' },
      };
    case 'sentry':
      return {
        root: { ...corr, ...handle, 'sentry.op': 'http.server', 'http.response.status_code': status },
        db: { 'sentry.op': 'db', 'db.system': 'sqlite' },
        dbNative: {},
        lookup: { 'sentry.op': 'http.client', 'peer.service': 'users' },
        http: { 'sentry.op': 'http.client', 'url.full': 'http://127.0.0.1:4568/api/users' },
      };
    default:
      return {
        root: {
          ...corr,
          ...handle,
          'http.route': '/api/activities/home',
          'http.response.status_code': status,
        },
        db: { 'db.system': 'sqlite' },
        dbNative: {},
        lookup: { 'peer.service': 'users' },
        http: { 'server.address': '127.0.0.1', 'server.port': 4568 },
      };
  }
}

/** The spans one tracing vendor stores for one request. */
export function callSpans(vendor: (typeof TRACING)[number], c: Call): SpanRecord[] {
  const t = traceIdOf(vendor, c.run, c.seq);
  const s = shapes(vendor, c);
  const half = c.durationMs / 2;
  const status = c.fail ? ('error' as const) : ('ok' as const);
  return [
    span(vendor, t, 'root', {
      name: vendor === 'xray' ? 'activities' : 'GET /api/activities/home',
      kind: 'server',
      startMs: c.base,
      durationMs: c.durationMs,
      attributes: s.root,
      status,
    }),
    span(vendor, t, 'db1', {
      parentId: 'root',
      name: 'db.query',
      kind: 'client',
      startMs: c.base + 1,
      durationMs: 2,
      attributes: s.db,
      native: s.dbNative,
    }),
    span(vendor, t, 'look', {
      parentId: 'root',
      name: 'users.lookup',
      kind: 'client',
      startMs: c.base + 4,
      durationMs: half,
      attributes: s.lookup,
    }),
    span(vendor, t, 'http', {
      parentId: 'look',
      name: vendor === 'xray' ? '127.0.0.1' : 'GET',
      kind: 'client',
      startMs: c.base + 5,
      durationMs: half - 2,
      attributes: s.http,
    }),
    span(vendor, t, 'users', {
      parentId: 'http',
      name: vendor === 'xray' ? 'users' : 'GET /api/users',
      service: 'users',
      kind: 'server',
      startMs: c.base + 6,
      durationMs: half - 4,
      status,
    }),
    span(vendor, t, 'db2', {
      parentId: 'users',
      name: 'db.query',
      service: 'users',
      kind: 'client',
      startMs: c.base + 7,
      durationMs: 1,
      attributes: s.db,
      native: s.dbNative,
    }),
  ];
}

/** Stores one request for all six vendors: the four tracers' spans (and errors), Rollbar's item, CloudWatch's lines. */
export function addCall(store: SandboxStore, c: Call): void {
  for (const vendor of TRACING) {
    const traceId = traceIdOf(vendor, c.run, c.seq);
    store.accept(
      vendor,
      meta(),
      batch({
        spans: callSpans(vendor, c),
        errors: c.fail
          ? [
              error(vendor, {
                traceId,
                spanId: 'root',
                runId: c.run,
                seq: c.seq,
                type: 'ReplyWriteError',
                message: `reply ${c.seq} could not be written`,
                timestamp: c.base + c.durationMs,
                attributes: { 'http.route': '/api/activities/home', 'http.request.method': 'GET' },
                frames: [
                  { function: 'applyChaos', file: 'app/chaos/apply.js', line: 45 },
                  { function: 'route', file: 'app/http/route.js', line: 29 },
                ],
              }),
            ]
          : [],
      }),
    );
  }
  store.accept(
    'rollbar',
    meta(),
    batch({
      errors: c.fail
        ? [
            error('rollbar', {
              runId: c.run,
              seq: c.seq,
              type: 'ReplyWriteError',
              message: `reply ${c.seq} could not be written`,
              timestamp: c.base,
              attributes: {
                context: 'GET /api/activities/home',
                'exception.causes': ['SqliteError: disk I/O error'],
              },
              native: {
                request: { method: 'GET', url: 'http://activities/api/activities/home' },
                person: { id: c.handle ?? 'ada' },
              },
            }),
          ]
        : [],
    }),
  );
  const lines = [
    log('cloudwatch', {
      runId: c.run,
      seq: c.seq,
      level: c.fail ? 'error' : 'info',
      timestamp: c.base + c.durationMs,
      message: `GET /api/activities/home ${c.fail ? 500 : 200}`,
      group: '/bakeoff/activities',
      attributes: {
        'http.route': 'GET /api/activities/home',
        'http.method': 'GET',
        'http.status_code': c.fail ? 500 : 200,
        'http.duration_ms': c.durationMs,
        'bakeoff.run_id': c.run,
        'bakeoff.seq': c.seq,
      },
    }),
  ];
  if (c.fail)
    lines.push(
      log('cloudwatch', {
        runId: c.run,
        seq: c.seq,
        level: 'error',
        timestamp: c.base + c.durationMs,
        message: 'ReplyWriteError: reply could not be written',
        attributes: {
          'error.type': 'ReplyWriteError',
          'error.message': `reply ${c.seq} could not be written`,
        },
      }),
    );
  store.accept('cloudwatch', meta(), batch({ logs: lines }));
}

/** An SQS hop in OTel shapes: the producer span in activities, the consumer span in a worker (same trace). */
export function sqsSpans(traceId: string, base: number): SpanRecord[] {
  const queue = {
    'messaging.system': 'aws_sqs',
    'messaging.destination.name': 'activity-events',
    'aws.queue_url': 'http://127.0.0.1:4400/sqs/000000000000/activity-events',
  };
  return [
    span('honeycomb', traceId, 'p0', {
      name: 'POST /api/activities',
      kind: 'server',
      startMs: base,
      durationMs: 30,
    }),
    span('honeycomb', traceId, 'p1', {
      parentId: 'p0',
      name: 'activity-events send',
      kind: 'producer',
      startMs: base + 5,
      durationMs: 4,
      attributes: queue,
    }),
    span('honeycomb', traceId, 'c1', {
      parentId: 'p1',
      name: 'activity-events process',
      service: 'worker',
      kind: 'consumer',
      startMs: base + 50,
      durationMs: 8,
      attributes: queue,
    }),
  ];
}
