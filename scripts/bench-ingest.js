#!/usr/bin/env node
// Ingest decoder throughput on one core: decode + normalize + hand to a counting sink, in a tight loop, for
// OTLP protobuf, Datadog v0.4/v0.5 msgpack and X-Ray daemon datagrams. Payloads come from the real SDKs:
// OTLP from the OTel SDK's own protobuf serializer, Datadog and X-Ray recorded live from dd-trace and
// aws-xray-sdk-core (the test fixtures) against a capture listener.
//
// Usage: npm run build && node [--expose-gc] scripts/bench-ingest.js [--seconds 2] [--json]
//        [--store [--steady] | --bound-only] [--only otlp]
// "payloads/s" is requests (OTLP, Datadog) or datagrams = segment documents (X-Ray) per second. "per CPU s"
// divides by the process's CPU time (all threads, the GC's helpers included) instead of wall time: on a busy
// shared machine it is the steadier figure of what one core does.
// --store hands every batch to the real SandboxStore (default caps and byte budget, so redaction, value bounds
// and eviction are paid) with trace ids made unique per payload, and reports the RSS after each workload:
// OTLP's are rewritten in the protobuf bytes before each decode (so the decoder sees new ids, as it would on
// the wire), the others' renamed after decoding.
// --bound-only bounds, redacts and measures every batch as the store would (SandboxStore.prepare) but keeps
// nothing: with the decode-only and --store runs it splits the cost per span into decode, bound, and keeping.
// --steady (with --store) fills the store to its span cap or byte budget before the clock starts, so the figure
// is the sustained rate with eviction running, not a mix of filling and evicting.
// --only otlp|datadog|xray runs one protocol's workloads.
// BAKEOFF_DIST=<dir> points at another compiled tree (default ./dist).
const { spawn } = require('node:child_process');
const dgram = require('node:dgram');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = process.env.BAKEOFF_DIST || path.join(root, 'dist');
const args = process.argv.slice(2);
const seconds = Number(args[args.indexOf('--seconds') + 1]) || 2;
const asJson = args.includes('--json');
const boundOnly = args.includes('--bound-only');
const withStore = args.includes('--store') || boundOnly;
const steady = withStore && args.includes('--steady');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;

const load = (rel) => {
  try {
    return require(path.join(dist, 'sandbox', 'ingest', rel));
  } catch (err) {
    console.error(`cannot load ${rel} from ${dist}: run \`npm run build\` first (${err.message})`);
    process.exit(1);
  }
};
const { decodeTraceRequest, decodeTraceMessage } = load('otlp-proto');
const { tracesToBatch } = load('otlp-map');
const { decodeV04, decodeV05 } = load('datadog-decode');
const { spansToBatch } = load('datadog');
const { parseDatagram } = load('xray');
const { documentToBatch, segmentContext } = load('xray-segment');

/** A sink that only counts, so the figure is the decoder's cost, not a store's — unless --store. */
const counted = { payloads: 0, spans: 0, errors: 0 };
const store = withStore ? new (require(path.join(dist, 'sandbox', 'store')).SandboxStore)() : null;
let payloadNumber = 0;
const sink = {
  accept(vendor, meta, batch) {
    counted.payloads++;
    counted.spans += batch.spans.length;
    counted.errors += batch.errors.length;
    if (!store) return;
    if (vendor !== 'otlp') renameTraces(batch);
    if (boundOnly) store.prepare({ vendor, payload: null, ...batch });
    else store.accept(vendor, meta, batch);
  },
};

/**
 * The same payload over and over would only update stored spans; a suffix makes every trace new. One new id
 * string per trace, as a decoder that reads them off the wire makes.
 */
function renameTraces(batch) {
  const suffix = `-${payloadNumber++}`;
  const renamed = new Map();
  const rename = (id) => {
    let next = renamed.get(id);
    if (next === undefined) renamed.set(id, (next = `${id}${suffix}`));
    return next;
  };
  for (const s of batch.spans) s.traceId = rename(s.traceId);
  for (const e of batch.errors) if (e.traceId) e.traceId = rename(e.traceId);
}

/**
 * Where each trace id sits in an OTLP protobuf body (spans and their links repeat it), so every payload can
 * carry new ids: the first 4 bytes of each become the payload's number.
 */
function traceIdOffsets(body) {
  const offsets = [];
  const ids = new Set();
  for (const rs of (decodeTraceMessage ?? decodeTraceRequest)(body).resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) ids.add(Buffer.from(span.traceId).toString('hex'));
  for (const hex of ids) {
    const id = Buffer.from(hex, 'hex');
    for (let at = body.indexOf(id); at !== -1; at = body.indexOf(id, at + id.length)) offsets.push(at);
  }
  return offsets;
}

function withNewTraceIds(body, offsets) {
  if (!store) return body;
  const n = payloadNumber++;
  for (const at of offsets) body.writeUInt32BE(n >>> 0, at);
  return body;
}

/** 100 traces × 5 spans shaped like an HTTP request: server root, router, db, outgoing call, chaos span. */
async function otlpPayload() {
  const { trace, context, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
  const { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const { ProtobufTraceSerializer } = require('@opentelemetry/otlp-transformer');
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'activities',
      'service.version': '0.1.0',
      'host.name': 'bench',
    }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('bench');
  for (let i = 0; i < 100; i++) {
    const rootSpan = tracer.startSpan('GET /activities/:id', {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'url.path': `/activities/${i}`,
        'http.route': '/activities/:id',
        'http.response.status_code': 200,
        'bakeoff.run_id': 'bench-run',
        'bakeoff.seq': i,
        'user_agent.original': 'autocannon',
      },
    });
    const ctx = trace.setSpan(context.active(), rootSpan);
    const child = (name, kind, attributes) => tracer.startSpan(name, { kind, attributes }, ctx);
    child('router - /activities/:id', SpanKind.INTERNAL, { 'express.type': 'router' }).end();
    child('SELECT activities', SpanKind.CLIENT, {
      'db.system': 'postgresql',
      'db.statement': 'SELECT * FROM a WHERE id=$1',
    }).end();
    child('GET', SpanKind.CLIENT, {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': 4568,
    }).end();
    const chaos = child('chaos.latency', SpanKind.INTERNAL, {
      'chaos.delay_ms': 25,
      'chaos.rule': 'slow-db',
    });
    if (i % 10 === 0) {
      chaos.recordException(new Error('injected fault'));
      chaos.setStatus({ code: SpanStatusCode.ERROR, message: 'injected fault' });
    }
    chaos.end();
    rootSpan.end();
  }
  const spans = exporter.getFinishedSpans();
  await provider.shutdown();
  return { body: Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)), spans: spans.length };
}

function runFixture(name, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'test', 'fixtures', name)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited with ${code}`))));
  });
}

/** dd-trace's own msgpack for 170 traces × 3 spans, captured from its exporter. */
async function datadogPayloads(version) {
  const bodies = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.url.endsWith('/traces')) bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"rate_by_service":{}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  await runFixture('datadog-sdk.js', {
    DD_TRACE_AGENT_URL: `http://127.0.0.1:${server.address().port}`,
    DD_TRACE_AGENT_PROTOCOL_VERSION: version,
    DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
    DD_REMOTE_CONFIGURATION_ENABLED: 'false',
    FIXTURE_TRACES: '170',
  });
  server.close();
  return bodies;
}

/** aws-xray-sdk-core's datagrams for one request (a segment with 4 subsegments), captured on UDP. */
async function xrayDatagrams() {
  const datagrams = [];
  const tcp = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const port = tcp.address().port;
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg) => datagrams.push(msg));
  await new Promise((resolve) => udp.bind(port, '127.0.0.1', resolve));
  await runFixture('xray-sdk.js', { AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`, XRAY_STREAM: '0' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  udp.close();
  tcp.close();
  return datagrams;
}

/** RSS, the live heap after a full GC (when run with --expose-gc), and what the store counts against its budget. */
function storeMemory() {
  global.gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  const mb = (n) => Math.round(n / 1e6);
  return {
    rssMb: mb(rss),
    heapUsedMb: mb(heapUsed),
    storedMb: mb(store.size.bytes),
    storedSpans: store.size.spans,
  };
}

/** Runs `once` (one payload through decode + sink) for `seconds`; returns payloads/s and spans/s. */
function measure(name, payloadBytes, once) {
  for (let i = 0; i < 50; i++) once(); // warm up the JIT
  if (steady) {
    const { maxSpans, maxBytes } = store.caps;
    while (store.size.spans < maxSpans && store.size.bytes < maxBytes * 0.98) once();
  }
  counted.payloads = 0;
  counted.spans = 0;
  counted.errors = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 20; i++) once();
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    name,
    payloadBytes,
    payloadsPerSec: Math.round(counted.payloads / elapsed),
    spansPerSec: Math.round(counted.spans / elapsed),
    spansPerCpuSec: Math.round(counted.spans / cpuSeconds),
    mbPerSec: Number(((counted.payloads * payloadBytes) / elapsed / 1e6).toFixed(1)),
    ...(store ? storeMemory() : {}),
  };
}

async function main() {
  const runs = (protocol) => only === null || only === protocol;
  const otlp = await otlpPayload();
  const dd04 = runs('datadog') ? await datadogPayloads('0.4') : [];
  const dd05 = runs('datadog') ? await datadogPayloads('0.5') : [];
  const xray = runs('xray') ? await xrayDatagrams() : [];
  const meta = (bytes) => ({ route: 'bench', bytes, contentType: null });
  if (runs('xray') && xray.length === 0) throw new Error('the X-Ray fixture sent no datagrams');
  const xrayBytes = xray.reduce((n, d) => n + d.length, 0);
  const xraySpans = xray.reduce(
    (n, d) => n + documentToBatch(parseDatagram(d).doc, { service: 's' }).spans.length,
    0,
  );

  const otlpIds = traceIdOffsets(otlp.body);
  const results = [
    ...(runs('otlp')
      ? [
          measure(`OTLP protobuf (${otlp.spans} spans/request)`, otlp.body.length, () =>
            sink.accept(
              'otlp',
              meta(otlp.body.length),
              tracesToBatch(decodeTraceRequest(withNewTraceIds(otlp.body, otlpIds)), 'otlp'),
            ),
          ),
        ]
      : []),
    ...[
      ['v0.4', dd04, decodeV04],
      ['v0.5', dd05, decodeV05],
    ]
      .filter(() => runs('datadog'))
      .map(([label, bodies, decode]) => {
        const bytes = bodies.reduce((n, b) => n + b.length, 0);
        const spans = bodies.reduce((n, b) => n + decode(b).length, 0);
        return measure(`Datadog ${label} msgpack (${spans} spans/request)`, bytes / bodies.length, () => {
          for (const b of bodies) sink.accept('datadog', meta(b.length), spansToBatch(decode(b)));
        });
      }),
    ...(runs('xray')
      ? [
          measure(
            `X-Ray segment datagrams (${xraySpans} spans in ${xray.length})`,
            xrayBytes / xray.length,
            () => {
              for (const d of xray) {
                const parsed = parseDatagram(d);
                if (parsed.doc)
                  sink.accept(
                    'xray',
                    meta(d.length),
                    documentToBatch(parsed.doc, segmentContext(parsed.doc)),
                  );
              }
            },
          ),
        ]
      : []),
  ];
  const machine = { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length };
  if (asJson) {
    process.stdout.write(
      `${JSON.stringify({ machine, seconds, store: withStore, steady, results }, null, 2)}\n`,
    );
    return;
  }
  console.log(
    `ingest ${boundOnly ? 'decode + bound' : withStore ? `decode + store${steady ? ' (full store)' : ''}` : 'decode'} throughput, one core, ${seconds}s per workload — ${machine.cpu}, Node ${machine.node}`,
  );
  for (const r of results) {
    const memory = store
      ? `  RSS ${r.rssMb} MB, heap ${r.heapUsedMb} MB, store ${r.storedMb} MB in ${r.storedSpans} spans`
      : '';
    console.log(
      `${r.name.padEnd(46)} ${String(r.spansPerSec).padStart(9)} spans/s ${String(r.spansPerCpuSec).padStart(9)} per CPU s  ${String(r.payloadsPerSec).padStart(7)} payloads/s  ${r.mbPerSec} MB/s (${r.payloadBytes} B/payload)${memory}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
