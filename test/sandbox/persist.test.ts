import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JOURNAL_FILE, parseNdjson } from '../../sandbox/persist';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { batch, error, log, meta, requestSpans } from './records';

const ephemeral = { port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 };
const open: Sandbox[] = [];
const start = async (dataDir?: string) => {
  const sandbox = await startSandbox({ ...ephemeral, dataDir });
  open.push(sandbox);
  return sandbox;
};
const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-sandbox-'));

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function feed(sandbox: Sandbox) {
  sandbox.store.accept('honeycomb', meta(321), batch({ spans: requestSpans('honeycomb', 'h1', 'run', 1) }));
  sandbox.store.accept(
    'rollbar',
    meta(99, '/api/1/item/'),
    batch({ errors: [error('rollbar', { runId: 'run', seq: 1 })] }),
  );
  sandbox.store.accept(
    'cloudwatch',
    meta(50, '/'),
    batch({ logs: [log('cloudwatch', { runId: 'run', seq: 1 })] }),
  );
}

describe('sandbox persistence', () => {
  it('replays the journal at start, so a restart loses nothing', async () => {
    const dir = tempDir();
    const first = await start(dir);
    feed(first);
    const vendorsBefore = first.store.vendors();
    const tracesBefore = first.store.listTraces();
    await first.close();

    const second = await start(dir);
    expect(second.replayed).toEqual({ lines: 3, skipped: 0 });
    expect(second.store.vendors()).toEqual(vendorsBefore);
    expect(second.store.listTraces()).toEqual(tracesBefore);
    expect(second.store.listPayloads().map((p) => p.bytes)).toEqual([321, 99, 50]);
  });

  it('skips a line cut off by a crash instead of refusing to start', async () => {
    const dir = tempDir();
    const first = await start(dir);
    feed(first);
    await first.close();
    fs.appendFileSync(path.join(dir, JOURNAL_FILE), '{"vendor":"otlp","payl');
    const second = await start(dir);
    expect(second.replayed).toEqual({ lines: 3, skipped: 1 });
  });

  it('exports NDJSON that imports into an empty sandbox unchanged', async () => {
    const a = await start();
    feed(a);
    const exported = await (await fetch(`${a.url}/api/export`)).text();
    expect(exported.trim().split('\n').length).toBeGreaterThan(3);
    expect(() => parseNdjson(exported)).not.toThrow();

    const b = await start();
    const res = await fetch(`${b.url}/api/import`, { method: 'POST', body: exported });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ imported: { payloads: 3, spans: 4, errors: 1, logs: 1 } });
    expect(b.store.vendors()).toEqual(a.store.vendors());
    expect(b.store.listTraces()).toEqual(a.store.listTraces());
    expect(b.store.runRequests('run')).toEqual(a.store.runRequests('run'));
  });

  it('refuses a bad import with the line number and stores nothing', async () => {
    const s = await start();
    const good = JSON.stringify({ vendor: 'otlp', payload: null, spans: [], errors: [], logs: [] });
    const badVendor = JSON.stringify({ vendor: 'newrelic', payload: null, spans: [], errors: [], logs: [] });
    for (const [body, line, pattern] of [
      [`${good}\n${good}\n{nope`, 3, /line 3: not valid JSON/],
      [`${good}\n\n${badVendor}`, 3, /line 3: vendor/],
      [
        `${good}\n${JSON.stringify({ vendor: 'otlp', payload: null, spans: [{ traceId: 'x' }], errors: [], logs: [] })}`,
        2,
        /line 2: spans\.0\./,
      ],
    ] as const) {
      const res = await fetch(`${s.url}/api/import`, { method: 'POST', body });
      expect(res.status).toBe(400);
      const json = (await res.json()) as { line: number; error: string };
      expect(json.line).toBe(line);
      expect(json.error).toMatch(pattern);
    }
    expect(s.store.vendors().every((v) => v.payloads === 0)).toBe(true);
  });

  it('imported data is journaled, and DELETE /api/data clears memory and the file', async () => {
    const dir = tempDir();
    const source = await start();
    feed(source);
    const exported = await (await fetch(`${source.url}/api/export`)).text();

    const s = await start(dir);
    expect((await fetch(`${s.url}/api/import`, { method: 'POST', body: exported })).status).toBe(200);
    expect(fs.statSync(path.join(dir, JOURNAL_FILE)).size).toBeGreaterThan(0);
    const del = await fetch(`${s.url}/api/data`, { method: 'DELETE' });
    expect(await del.json()).toEqual({ cleared: true });
    expect(s.store.size.spans).toBe(0);
    expect(fs.statSync(path.join(dir, JOURNAL_FILE)).size).toBe(0);
    await s.close();
    const again = await start(dir);
    expect(again.replayed.lines).toBe(0);
  });
});
