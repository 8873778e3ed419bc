/**
 * One request as each of the six vendors reports it, in the shapes their SDKs send (as decoded by the sandbox,
 * cf. a `bakeoff compare` export): OTel keys for Honeycomb and Sentry, X-Ray's underscore annotations and a root
 * named after the service, Datadog's `express.request` with the route as `resource.name`, Rollbar items and
 * CloudWatch log lines that carry every tracer's trace id. For the view query and UI tests.
 */
import type { SandboxStore } from '../../sandbox/store';
import { batch, error, log, meta, span } from './records';

export interface RequestShape {
  run: string;
  seq: number;
  /** Trace start, epoch ms. */
  base: number;
  handle?: string;
  /** Injected delay (a chaos.latency span), ms. */
  delayMs?: number;
  /** An injected 500. */
  fault?: boolean;
  /** Root duration, ms (default 40 + delay). */
  durationMs?: number;
}

/** The trace ids each vendor gets for one request: distinct per vendor, as real SDKs make them. */
export function traceIdsOf(r: Pick<RequestShape, 'run' | 'seq'>) {
  // Hex of the run id (short runs, as the tests use) and the seq: distinct per request.
  const n = `${Buffer.from(r.run).toString('hex').slice(0, 12)}${String(r.seq).padStart(6, '0')}`;
  return {
    honeycomb: `ab${n}`.padEnd(32, '0'),
    sentry: `5e${n}`.padEnd(32, '1'),
    xray: `1-6b0d4945-${n.padStart(24, '0')}`,
    datadog: BigInt(`0x${n}`).toString(),
  };
}

export function addRequest(store: SandboxStore, r: RequestShape): void {
  const ids = traceIdsOf(r);
  const handle = r.handle ?? 'ada';
  const route = '/api/activities/@:handle';
  const duration = r.durationMs ?? 40 + (r.delayMs ?? 0);
  const status = r.fault ? 500 : 200;
  const spanStatus = r.fault ? ('error' as const) : ('ok' as const);
  const otel = { 'bakeoff.run_id': r.run, 'bakeoff.seq': r.seq };
  const chaosOtel = r.delayMs ? { 'chaos.delay_ms': r.delayMs, 'chaos.rule': 'slow-feed' } : {};
  const faultOtel = r.fault ? { 'chaos.fault': 'feed-fails' } : {};

  // Honeycomb and Sentry: OTel-style keys; chaos as a child span.
  for (const vendor of ['honeycomb', 'sentry'] as const) {
    const traceId = ids[vendor];
    const attributes = {
      ...otel,
      'http.route': route,
      'http.request.method': 'GET',
      'http.response.status_code': status,
      'app.user_handle': handle,
      ...faultOtel,
    };
    store.accept(
      vendor,
      meta(500),
      batch({
        spans: [
          span(vendor, traceId, 'r1', {
            name: `GET ${route}`,
            kind: 'server',
            startMs: r.base,
            durationMs: duration,
            attributes,
            native: { attributes },
            status: spanStatus,
          }),
          ...(r.delayMs
            ? [
                span(vendor, traceId, 'c1', {
                  parentId: 'r1',
                  name: 'chaos.latency',
                  startMs: r.base + 1,
                  durationMs: r.delayMs,
                  attributes: chaosOtel,
                }),
              ]
            : []),
          span(vendor, traceId, 'u1', {
            parentId: 'r1',
            name: 'users.lookup',
            service: 'users',
            startMs: r.base + 2 + (r.delayMs ?? 0),
            durationMs: 10,
          }),
        ],
        errors: r.fault
          ? [
              error(vendor, {
                traceId,
                spanId: 'r1',
                type: 'FeedError',
                message: 'feed failed',
                timestamp: r.base,
              }),
            ]
          : [],
      }),
    );
  }

  // X-Ray: the root segment is named after the service; annotations use underscores.
  const annotations = {
    bakeoff_run_id: r.run,
    bakeoff_seq: r.seq,
    http_route: route,
    app_user_handle: handle,
    http_status_code: status,
    ...(r.fault ? { chaos_fault: 'feed-fails' } : {}),
  };
  store.accept(
    'xray',
    meta(300, 'udp'),
    batch({
      spans: [
        span('xray', ids.xray, 'x1', {
          name: 'activities',
          kind: 'server',
          startMs: r.base,
          durationMs: duration,
          attributes: { ...annotations, 'http.request.method': 'GET', 'http.response.status': status },
          native: { annotations, metadata: {} },
          status: spanStatus,
        }),
        ...(r.delayMs
          ? [
              span('xray', ids.xray, 'x2', {
                parentId: 'x1',
                name: 'chaos.latency',
                startMs: r.base + 1,
                durationMs: r.delayMs,
                attributes: { chaos_delay_ms: r.delayMs, chaos_rule: 'slow-feed' },
                native: { annotations: { chaos_delay_ms: r.delayMs, chaos_rule: 'slow-feed' } },
              }),
            ]
          : []),
      ],
    }),
  );

  // Datadog: express.request with the route as its resource; tags are strings.
  const meta_ = {
    'resource.name': `GET ${route}`,
    'http.route': route,
    'http.status_code': String(status),
    'app.user_handle': handle,
    'bakeoff.run_id': r.run,
    'bakeoff.seq': String(r.seq),
    ...faultOtel,
  };
  store.accept(
    'datadog',
    meta(400, '/v0.4/traces'),
    batch({
      spans: [
        span('datadog', ids.datadog, 'd1', {
          name: 'express.request',
          kind: 'server',
          startMs: r.base,
          durationMs: duration,
          attributes: meta_,
          native: { meta: meta_, metrics: {} },
          status: spanStatus,
        }),
        ...(r.delayMs
          ? [
              span('datadog', ids.datadog, 'd2', {
                parentId: 'd1',
                name: 'chaos.latency',
                startMs: r.base + 1,
                durationMs: r.delayMs,
                attributes: { 'resource.name': 'chaos.latency', ...chaosOtel },
              }),
            ]
          : []),
      ],
    }),
  );

  // Rollbar: an item per failure, an info message per request.
  store.accept(
    'rollbar',
    meta(200, '/api/1/item/'),
    batch({
      errors: r.fault
        ? [
            error('rollbar', {
              runId: r.run,
              seq: r.seq,
              type: 'FeedError',
              message: 'feed failed',
              timestamp: r.base,
            }),
          ]
        : [],
      logs: [
        log('rollbar', {
          runId: r.run,
          seq: r.seq,
          level: 'info',
          message: `served @${handle}`,
          timestamp: r.base + 5,
          attributes: { 'bakeoff.run_id': r.run, 'bakeoff.seq': r.seq },
        }),
      ],
    }),
  );

  // CloudWatch: the app's access-log line, stamped with every tracer's id.
  store.accept(
    'cloudwatch',
    meta(150, '/'),
    batch({
      logs: [
        log('cloudwatch', {
          runId: r.run,
          seq: r.seq,
          level: r.fault ? 'error' : 'info',
          message: `GET ${route} ${status}`,
          timestamp: r.base + duration,
          group: '/bakeoff/activities',
          stream: 'activities-1',
          traceId: ids.honeycomb,
          attributes: {
            'http.route': `GET ${route}`,
            'http.status_code': status,
            'user.handle': handle,
            'bakeoff.run_id': r.run,
            'bakeoff.seq': r.seq,
            trace_id: ids.honeycomb,
            xray_trace_id: ids.xray,
            'dd.trace_id': ids.datadog,
            sentry_trace_id: ids.sentry,
          },
        }),
      ],
    }),
  );
}
