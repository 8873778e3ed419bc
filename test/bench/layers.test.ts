/**
 * The in-process layer bench: its ladder follows the real app's stack, every rung answers the light route as
 * the real app does, and no socket is involved. Asserts the shape of the report, never a timing.
 */
import path from 'node:path';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { inject } from '../../harness/bench/inject';
import { formatLayerTable, pairedDifference, quantile, runLayerBench } from '../../harness/bench/layers';

describe('inject', () => {
  it('runs a request through an Express app without a socket, and says when the response is done', async () => {
    const app = express();
    const seen: string[] = [];
    app.get('/hello', (req, res) => {
      res.on('close', () => seen.push('close'));
      res.json({ term: req.query.term, run: req.get('x-bakeoff-run') });
    });
    const answer = await inject(app, {
      url: '/hello?term=x',
      headers: { 'x-bakeoff-run': 'r1' },
      capture: true,
    });
    expect(answer.status).toBe(200);
    expect(answer.written).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.written).toContain('{"term":"x","run":"r1"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['close']); // as Node's server does: the drain counter relies on it
    expect((await inject(app, { url: '/nowhere' })).status).toBe(404);
  });
});

describe('layer bench', () => {
  it('measures every rung from bare to the real app, in the real stack’s order', async () => {
    const report = await runLayerBench({ rounds: 2, requests: 5 });
    const names = report.rows.map((r) => r.name);
    expect(names[0]).toBe('bare');
    expect(names.at(-1)).toBe('real app (none)');
    // The real app's layers, in the order a request meets them; those with nothing to do aren't mounted.
    expect(names).toEqual([
      'bare',
      '+ query observer',
      '+ drain counter',
      '+ JSON body',
      '+ health',
      '+ admin',
      '+ not found',
      '+ error answer',
      '+ route wrapper',
      '+ validation, annotations',
      'real app (none)',
    ]);
    expect(report.unmounted).toEqual(['vendor request handlers', 'request context', 'vendor error handlers']);
    for (const row of report.rows) {
      expect(row.us, row.name).toBeGreaterThan(0);
      expect(row.medianUs, row.name).toBeGreaterThan(0);
    }
    expect(report.rows[0].layerUs).toBeNull();
    expect(report.rows[0].overBareUs).toBeNull();
    for (const row of report.rows.slice(1)) {
      expect(Number.isFinite(row.layerUs), row.name).toBe(true);
      expect(Number.isFinite(row.overBareUs), row.name).toBe(true);
    }
    expect(report.queryUs).toBeGreaterThan(0);

    const table = formatLayerTable(report);
    expect(table.split('\n')[0]).toBe(
      '| rung | adds | CPU µs/request | median | this layer µs | all layers so far |',
    );
    expect(table).toContain('| real app (none) |');
    expect(table).toContain(
      'Not mounted with `none` (nothing to do): vendor request handlers, request context',
    );
  }, 60_000);

  it('runs another built checkout’s real app as one more rung, for a before/after', async () => {
    // This checkout's own build stands in for "the commit before" (`npm test` builds first).
    const report = await runLayerBench({
      rounds: 1,
      requests: 3,
      baseline: path.resolve(__dirname, '../..'),
    });
    expect(report.rows.map((r) => r.name).slice(-2)).toEqual(['real app (none)', 'baseline app (none)']);
    expect(Number.isFinite(report.rows.at(-1)?.layerUs)).toBe(true);
    await expect(runLayerBench({ rounds: 1, requests: 1, baseline: '/nonexistent' })).rejects.toThrow(
      /no built app/,
    );
  }, 60_000);

  it('compares rungs round by round, and takes the median of the differences', () => {
    // Round 2 ran during a busy spell that lifted both rungs; round 3's spell hit only `a`.
    expect(pairedDifference([10, 20, 30], [8, 18, 11])).toBe(2);
    expect(pairedDifference([], [])).toBeNull();
  });

  it('takes the lower quartile by nearest rank', () => {
    expect(quantile([5, 1, 4, 2, 3, 6, 7, 8], 0.25)).toBe(2);
    expect(quantile([3], 0.25)).toBe(3);
    expect(quantile([], 0.25)).toBeNull();
  });
});
