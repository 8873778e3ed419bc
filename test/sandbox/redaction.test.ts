/**
 * The shared secret corpus (test/fixtures/secret-corpus.ts) pushed through every vendor's real ingest protocol
 * over loopback — OTLP/JSON traces and logs, X-Ray UDP segments, Sentry envelopes, Rollbar items, Datadog
 * msgpack, CloudWatch PutLogEvents — into a sandbox that persists. No secret may come back out through any JSON
 * API answer, the export or the journal; every innocent look-alike and the text around each redacted value must.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encode } from '@msgpack/msgpack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOURNAL_FILE } from '../../sandbox/persist';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import {
  deepSecret,
  innocentAttributes,
  leakedSecrets,
  missingInnocents,
  SECRETS,
  secretErrorMessage,
  secretLogText,
  secretTextAttributes,
} from '../fixtures/secret-corpus';

const RUN = 'corpus-run';
const nowSec = Math.floor(Date.now() / 1000);
/** Every attribute each vendor carries: secrets in text and under header names, innocents, the run's seq. */
const flat = (seq: number) => ({
  ...secretTextAttributes(),
  ...innocentAttributes(),
  'bakeoff.run_id': RUN,
  'bakeoff.seq': seq,
});

let sandbox: Sandbox;
let dataDir: string;

async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
  method = 'POST',
) {
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  expect(res.status, `${url}: ${text}`).toBeLessThan(300);
}

/** OTLP AnyValue for a JS value (kvlist for objects), as OTLP/JSON writes it. */
function anyValue(v: unknown): unknown {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'number') return { intValue: String(v) };
  if (v && typeof v === 'object') return { kvlistValue: { values: keyValues(v as Record<string, unknown>) } };
  return { stringValue: String(v) };
}
const keyValues = (o: Record<string, unknown>) =>
  Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));

async function sendOtlp() {
  const headers = { 'content-type': 'application/json', 'x-honeycomb-team': SECRETS.honeycombKey };
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  await post(
    `${sandbox.otlpUrl}/v1/traces`,
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: keyValues({ 'service.name': 'activities' }) },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId: '00f067aa0ba902b7',
                  name: 'POST /login',
                  kind: 2,
                  startTimeUnixNano: `${nowSec}000000000`,
                  endTimeUnixNano: `${nowSec}100000000`,
                  attributes: keyValues({ ...flat(1), 'request.body': deepSecret() }),
                  events: [
                    {
                      name: 'exception',
                      timeUnixNano: `${nowSec}050000000`,
                      attributes: keyValues({
                        'exception.type': 'Error',
                        'exception.message': secretErrorMessage(),
                      }),
                    },
                  ],
                  status: { code: 2, message: secretErrorMessage() },
                },
              ],
            },
          ],
        },
      ],
    }),
    headers,
  );
  await post(
    `${sandbox.otlpUrl}/v1/logs`,
    JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: keyValues({ 'service.name': 'activities' }) },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: `${nowSec}000000000`,
                  severityText: 'ERROR',
                  body: { stringValue: secretLogText() },
                  traceId,
                  attributes: keyValues({ ...flat(1), 'request.body': deepSecret() }),
                },
              ],
            },
          ],
        },
      ],
    }),
    headers,
  );
}

async function sendXray() {
  const segment = {
    name: 'activities',
    id: '70de5b6f19ff9a0a',
    trace_id: `1-${nowSec.toString(16)}-a006649127e371903a2de979`,
    start_time: nowSec,
    end_time: nowSec + 0.1,
    fault: true,
    http: { request: { method: 'POST', url: secretTextAttributes()['http.url'] } },
    annotations: { bakeoff_run_id: RUN, bakeoff_seq: 2 },
    metadata: { default: { ...flat(2), deep: deepSecret() } },
    cause: { exceptions: [{ id: '1b2c3d4e5f607182', type: 'Error', message: secretErrorMessage() }] },
    subsegments: [
      {
        name: 'postgres',
        id: '1a2b3c4d5e6f7081',
        start_time: nowSec,
        end_time: nowSec + 0.05,
        namespace: 'remote',
        sql: {
          url: secretTextAttributes()['db.connection_string'],
          sanitized_query: secretTextAttributes()['db.statement'],
        },
      },
    ],
  };
  const [host, port] = sandbox.xrayAddress.split(':');
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) =>
    socket.send(`{"format":"json","version":1}\n${JSON.stringify(segment)}`, Number(port), host, (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  socket.close();
  for (let i = 0; i < 200 && sandbox.store.listTraces({ vendor: 'xray' }).length === 0; i++)
    await new Promise((r) => setTimeout(r, 25));
}

async function sendSentry() {
  const header = {
    event_id: '9ec79c33ec9942ab8353589fcb2e04dc',
    dsn: `http://${SECRETS.dsnKey}@127.0.0.1/1`,
  };
  const event = {
    event_id: header.event_id,
    timestamp: nowSec,
    level: 'error',
    exception: { values: [{ type: 'Error', value: secretErrorMessage() }] },
    tags: { 'bakeoff.run_id': RUN, 'bakeoff.seq': '3' },
    extra: { ...flat(3), deep: deepSecret() },
    contexts: { trace: { trace_id: '5bf92f3577b34da6a3ce929d0e0e4736', span_id: '10f067aa0ba902b7' } },
  };
  const body = [header, { type: 'event' }, event].map((j) => JSON.stringify(j)).join('\n');
  await post(`${sandbox.url}/api/1/envelope/?sentry_key=${SECRETS.dsnKey}`, body, {});
}

async function sendRollbar() {
  const item = {
    data: {
      level: 'error',
      environment: 'test',
      body: { trace: { exception: { class: 'Error', message: secretErrorMessage() }, frames: [] } },
      custom: { ...flat(4), deep: deepSecret() },
      request: {
        url: secretTextAttributes()['http.url'],
        headers: {
          Authorization: `Bearer ${SECRETS.rollbarAuthorization}`,
          Cookie: SECRETS.cookie,
          'X-Service-Token': SECRETS.serviceToken,
        },
      },
    },
  };
  await post(`${sandbox.url}/api/1/item/`, JSON.stringify(item), {
    'content-type': 'application/json',
    'x-rollbar-access-token': SECRETS.rollbarToken,
  });
}

async function sendDatadog() {
  const meta: Record<string, string> = {
    ...secretTextAttributes(),
    ...Object.fromEntries(Object.entries(innocentAttributes()).map(([k, v]) => [k, String(v)])),
    'bakeoff.run_id': RUN,
    'error.type': 'Error',
    'error.message': secretErrorMessage(),
  };
  const span = {
    trace_id: 77,
    span_id: 78,
    parent_id: 0,
    name: 'express.request',
    resource: 'POST /login',
    service: 'activities',
    start: nowSec * 1e9,
    duration: 5e7,
    error: 1,
    meta,
    metrics: { 'bakeoff.seq': 5 },
  };
  await post(
    `${sandbox.datadogUrl}/v0.4/traces`,
    encode([[span]]),
    { 'content-type': 'application/msgpack' },
    'PUT',
  );
}

async function sendCloudwatch() {
  const call = (op: string, body: unknown) =>
    post(`${sandbox.url}/`, JSON.stringify(body), {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Logs_20140328.${op}`,
      authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=${SECRETS.awsSignature}`,
    });
  const group = { logGroupName: 'bakeoff' };
  await call('CreateLogGroup', group);
  await call('CreateLogStream', { ...group, logStreamName: 'activities' });
  await call('PutLogEvents', {
    ...group,
    logStreamName: 'activities',
    logEvents: [
      { timestamp: nowSec * 1000, message: `error - ${secretLogText()}` },
      {
        timestamp: nowSec * 1000 + 1,
        message: JSON.stringify({
          level: 'error',
          message: secretErrorMessage(),
          ...flat(6),
          deep: deepSecret(),
        }),
      },
    ],
  });
}

/** Every JSON answer the API gives about what was stored, keyed by path. */
async function everyAnswer(): Promise<Map<string, string>> {
  const answers = new Map<string, string>();
  const get = async (p: string) => {
    const res = await fetch(`${sandbox.url}${p}`);
    const text = await res.text();
    expect(res.status, p).toBe(200);
    answers.set(p, text);
    return text;
  };
  const traces = JSON.parse(await get('/api/traces?limit=1000')) as Array<{
    vendor: string;
    traceId: string;
  }>;
  for (const t of traces) await get(`/api/traces/${t.vendor}/${encodeURIComponent(t.traceId)}`);
  for (const p of [
    '/api/errors?limit=1000',
    '/api/logs?limit=1000',
    '/api/runs',
    '/api/payloads',
    '/api/vendors',
  ])
    await get(p);
  await get(`/api/runs/${RUN}/requests`);
  await get('/api/export');
  return answers;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-redaction-'));
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0, dataDir });
  await sendOtlp();
  await sendXray();
  await sendSentry();
  await sendRollbar();
  await sendDatadog();
  await sendCloudwatch();
}, 30_000);
afterAll(async () => {
  await sandbox?.close();
});

describe('redaction, with one corpus through every vendor', () => {
  it('stored what every vendor sent', () => {
    const counts = Object.fromEntries(
      sandbox.store.vendors().map((v) => [v.vendor, v.spans + v.errors + v.logs]),
    );
    for (const vendor of ['honeycomb', 'xray', 'sentry', 'rollbar', 'datadog', 'cloudwatch'])
      expect(counts[vendor], vendor).toBeGreaterThan(0);
  });

  it('never shows a secret in any API answer, the export or the journal', async () => {
    const answers = await everyAnswer();
    for (const [p, text] of answers) expect(leakedSecrets(text), p).toEqual([]);
    const journal = fs.readFileSync(path.join(dataDir, JOURNAL_FILE), 'utf8');
    expect(journal.length).toBeGreaterThan(0);
    expect(leakedSecrets(journal), 'journal').toEqual([]);
  });

  it('keeps every innocent look-alike and the text around each redacted value, for every vendor', async () => {
    const exported = await (await fetch(`${sandbox.url}/api/export`)).text();
    const byVendor = new Map<string, string>();
    for (const line of exported.split('\n').filter(Boolean)) {
      const vendor = (JSON.parse(line) as { vendor: string }).vendor;
      byVendor.set(vendor, `${byVendor.get(vendor) ?? ''}${line}\n`);
    }
    for (const vendor of ['honeycomb', 'xray', 'sentry', 'rollbar', 'datadog', 'cloudwatch'])
      expect(missingInnocents(byVendor.get(vendor) ?? ''), vendor).toEqual([]);
  });

  it('redacts a secret-named key at any depth but keeps its readable siblings', async () => {
    const res = await fetch(`${sandbox.url}/api/errors?vendor=rollbar`);
    const text = await res.text();
    expect(text).not.toContain(SECRETS.deepPassword);
    expect(text).toContain('deep but readable');
    expect(text).toMatch(/"password":"\[redacted\]"/);
  });
});
