/**
 * The fields issue 11 §3 adds to the model (span events and links, in-progress spans, a log line's native
 * bags) reach the JSON API, pass through the store's redaction, and survive the NDJSON journal a restart
 * replays and `/api/export` → `/api/import`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from '../../sandbox/model';
import { type Sandbox, startSandbox } from '../../sandbox/server';

const TRACE = '5b8efff798038103d269b633813fc60c';
const LINKED = '4bf92f3577b34da6a3ce929d0e0e4736';
const XRAY_TRACE = '1-65f00000-00000000000000000000beef';
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-kept-'));
const opened: Sandbox[] = [];

async function open(): Promise<Sandbox> {
  const sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0, dataDir });
  opened.push(sandbox);
  return sandbox;
}
afterAll(async () => {
  for (const s of opened) await s.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function spansOf(sandbox: Sandbox, vendor: string, traceId: string): Promise<SpanRecord[]> {
  const res = await fetch(`${sandbox.url}/api/traces/${vendor}/${traceId}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { spans: SpanRecord[] }).spans;
}

const otlpDoc = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'kept' } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: TRACE,
              spanId: 'eee19b7ec3c1b174',
              name: 'consume',
              startTimeUnixNano: '1700000000000000000',
              endTimeUnixNano: '1700000000004000000',
              events: [
                {
                  name: 'http.retry',
                  timeUnixNano: '1700000000001000000',
                  attributes: [
                    { key: 'attempt', value: { intValue: '2' } },
                    { key: 'authorization', value: { stringValue: 'Bearer event-secret-123' } },
                  ],
                },
              ],
              links: [{ traceId: LINKED, spanId: '00f067aa0ba902b7', attributes: [] }],
            },
          ],
        },
      ],
    },
  ],
};

describe('new model fields through the API, redaction and persistence', () => {
  let exported = '';

  it('serves events, links, in-progress spans and log native bags from the API, secrets redacted', async () => {
    const sandbox = await open();
    const res = await fetch(`${sandbox.otlpUrl}/v1/traces`, {
      method: 'POST',
      body: JSON.stringify(otlpDoc),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    sandbox.store.accept(
      'xray',
      { route: 'udp', bytes: 1, contentType: null },
      {
        spans: [
          {
            vendor: 'xray',
            traceId: XRAY_TRACE,
            spanId: '1111111111111111',
            parentId: null,
            name: 'never-ends',
            service: 'svc',
            kind: 'server',
            startMs: 1,
            durationMs: 0,
            attributes: {},
            native: {},
            status: 'unset',
            inProgress: true,
          },
        ],
        errors: [],
        logs: [],
      },
    );
    const item = {
      data: { level: 'info', body: { message: { body: 'warmed' } }, person: { id: '7' } },
    };
    const posted = await fetch(`${sandbox.url}/api/1/item/`, {
      method: 'POST',
      body: JSON.stringify(item),
      headers: { 'content-type': 'application/json', 'x-rollbar-access-token': 'tok-kept' },
    });
    expect(posted.status).toBe(200);

    const [span] = await spansOf(sandbox, 'otlp', TRACE);
    expect(span.events).toEqual([
      {
        name: 'http.retry',
        timeMs: 1_700_000_000_001,
        attributes: { attempt: 2, authorization: '[redacted]' },
      },
    ]);
    expect(span.links).toEqual([{ traceId: LINKED, spanId: '00f067aa0ba902b7', attributes: {} }]);
    expect((await spansOf(sandbox, 'xray', XRAY_TRACE))[0]).toMatchObject({ inProgress: true });
    const logs = (await (await fetch(`${sandbox.url}/api/logs?vendor=rollbar`)).json()) as Array<{
      native?: Record<string, unknown>;
    }>;
    expect(logs[0].native).toMatchObject({ person: { id: '7' } });

    exported = await (await fetch(`${sandbox.url}/api/export`)).text();
    expect(exported).not.toContain('event-secret-123');
    await sandbox.close();
  });

  it('replays them from the journal after a restart', async () => {
    const sandbox = await open();
    const [span] = await spansOf(sandbox, 'otlp', TRACE);
    expect(span.events?.[0]).toMatchObject({ name: 'http.retry', timeMs: 1_700_000_000_001 });
    expect(span.links?.[0]).toMatchObject({ traceId: LINKED });
    expect((await spansOf(sandbox, 'xray', XRAY_TRACE))[0].inProgress).toBe(true);
    const logs = (await (await fetch(`${sandbox.url}/api/logs?vendor=rollbar`)).json()) as Array<{
      native?: Record<string, unknown>;
    }>;
    expect(logs[0].native).toMatchObject({ person: { id: '7' } });
  });

  it('keeps them through /api/export → /api/import', async () => {
    const fresh = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
    opened.push(fresh);
    const res = await fetch(`${fresh.url}/api/import`, { method: 'POST', body: exported });
    expect(res.status).toBe(200);
    const [span] = await spansOf(fresh, 'otlp', TRACE);
    expect(span.links).toEqual([{ traceId: LINKED, spanId: '00f067aa0ba902b7', attributes: {} }]);
    expect((await spansOf(fresh, 'xray', XRAY_TRACE))[0].inProgress).toBe(true);
  });
});
