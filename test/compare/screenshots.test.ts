import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CompareResult, runCompare } from '../../harness/compare/run';
import { planScreenshots } from '../../harness/compare/screenshot-plan';
import {
  HOMEWORK_VIEWS,
  type ScreenshotPlan,
  type ScreenshotSet,
  shotFile,
  takeScreenshots,
} from '../../harness/compare/screenshots';
import { writeupMarkdown } from '../../harness/compare/writeup';
import { requirePackages } from '../helpers/system-packages';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

requirePackages(['chromium'])('compare --screenshots: the homework views for every vendor', () => {
  let result: CompareResult;
  let plan: ScreenshotPlan;
  let set: ScreenshotSet;
  const dir = mkdtempSync(path.join(tmpdir(), 'bakeoff-shots-'));
  const api = async <T>(p: string): Promise<T> =>
    (await (await fetch(`${result.sandboxUrl}${p}`)).json()) as T;

  beforeAll(async () => {
    result = await runCompare({
      vendors: ['honeycomb', 'rollbar', 'cloudwatch'],
      requests: 40,
      seed: 42,
      workload: 'mixed',
      chaos: 'compare',
      concurrency: 2,
      keepSandbox: true,
    });
    plan = await planScreenshots(result, dir);
    set = await takeScreenshots(plan);
  }, 240_000);

  afterAll(async () => {
    await result?.closeSandbox?.();
  });

  it('takes all six views of a tracing vendor, at 1366 px wide, as non-trivial PNGs', () => {
    for (const { view } of HOMEWORK_VIEWS) {
      const file = path.join(dir, shotFile('honeycomb', view));
      expect(set.shots.some((s) => s.vendor === 'honeycomb' && s.view === view)).toBe(true);
      expect(pngSize(file).width).toBe(1366);
      // A blank or error page compresses to a few KB; a rendered view is far larger.
      expect(statSync(file).size).toBeGreaterThan(20_000);
    }
  });

  it("takes each view a non-tracing vendor's data supports, and says why it skips the others", () => {
    for (const [vendor, view] of [
      ['rollbar', 'error'],
      ['rollbar', 'logs'],
      ['cloudwatch', 'logs'],
    ] as const) {
      const file = path.join(dir, shotFile(vendor, view));
      expect(pngSize(file).width).toBe(1366);
      expect(statSync(file).size).toBeGreaterThan(20_000);
    }
    expect(set.skipped).toContainEqual({
      vendor: 'rollbar',
      view: 'service-map',
      reason: 'rollbar sends no traces',
    });
    expect(set.skipped).toContainEqual({
      vendor: 'cloudwatch',
      view: 'error',
      reason: 'cloudwatch sends no errors',
    });
  });

  it('shows a waterfall with the injected chaos.latency span, and a grouped error with its stack', async () => {
    const honeycomb = plan.vendors.find((v) => v.vendor === 'honeycomb')!;
    const trace = await api<{ spans: Array<{ name: string; seq: number | null }> }>(
      `/api/traces/honeycomb/${honeycomb.traceId}`,
    );
    expect(trace.spans.map((s) => s.name)).toContain('chaos.latency');
    for (const v of plan.vendors.filter((p) => p.signals.includes('errors'))) {
      const group = await api<{ latest: { frames: unknown[] } }>(`/api/error-groups/${v.errorGroupId}`);
      expect(group.latest.frames.length).toBeGreaterThan(0);
    }
  });

  it("shows the same request's log lines", async () => {
    const logs = await api<{ total: number }>(
      `/api/search/logs?run=${encodeURIComponent(result.runId)}&field=${encodeURIComponent(`seq=${plan.seq}`)}`,
    );
    expect(logs.total).toBeGreaterThan(0);
  });

  it('embeds every screenshot in the write-up with the sandbox URL that reproduces it', () => {
    const md = writeupMarkdown(result, set);
    for (const shot of set.shots) {
      expect(md).toContain(`](${shot.file})`);
      expect(md).toContain(`<http://127.0.0.1:4400/${shot.hash}>`);
    }
    expect(md).toContain('](screenshots/side-by-side.png)');
    expect(md).toContain('not applicable: rollbar sends no traces');
  });
});
