/**
 * Drives the sandbox web UI in Debian's chromium via playwright-core. Data goes straight into the store (the
 * ingest decoders have their own SDK-level tests); this checks what a student sees and screenshots.
 * Set SANDBOX_UI_SHOTS=<dir> to also keep full-size screenshots of each view there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { batch, error, log, meta, requestSpans } from '../sandbox/records';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const shotsDir = process.env.SANDBOX_UI_SHOTS;

let sandbox: Sandbox;
let browser: Browser;
let page: Page;
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-ui-'));

async function keepShot(name: string) {
  if (shotsDir) await page.screenshot({ path: path.join(shotsDir, `sandbox-${name}.png`), fullPage: true });
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const { store } = sandbox;
  const base = Date.now() - 60_000;
  for (let seq = 1; seq <= 3; seq++) {
    const fail = seq === 2;
    const at = base + seq * 1000;
    store.accept(
      'honeycomb',
      meta(900),
      batch({
        spans: requestSpans('honeycomb', `hc${seq}`.padEnd(32, '0'), 'demo', seq, { base: at, fail }),
      }),
    );
    const xrayTrace = `1-65a1b2c3-${String(seq).padStart(24, '0')}`;
    store.accept(
      'xray',
      meta(600, 'udp'),
      batch({
        spans: requestSpans('xray', xrayTrace, 'demo', seq, { base: at + 1, fail, xraySpelling: true }),
        // X-Ray copies a fault's cause onto the segment and each subsegment it passed through: one error.
        errors: fail
          ? ['a1', 'a2', 'a3', 'b1'].map((spanId) =>
              error('xray', {
                traceId: xrayTrace,
                spanId,
                runId: 'demo',
                seq,
                type: 'ReplyWriteError',
                message: 'reply write failed',
                timestamp: at,
              }),
            )
          : [],
      }),
    );
    store.accept(
      'cloudwatch',
      meta(300, '/'),
      batch({
        logs: [
          log('cloudwatch', {
            runId: 'demo',
            seq,
            message: `GET /activities ${fail ? 500 : 200}`,
            group: 'bakeoff',
            stream: 'activities',
          }),
        ],
      }),
    );
  }
  store.accept(
    'rollbar',
    meta(1200, '/api/1/item/'),
    batch({
      errors: [
        error('rollbar', {
          runId: 'demo',
          seq: 2,
          type: 'UpstreamError',
          message: 'users service answered 500',
        }),
      ],
    }),
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

requirePackages(['chromium'])('sandbox web UI', () => {
  it('lists traces with vendor tabs and counts', async () => {
    await page.goto(`${sandbox.url}/#/`);
    await page.waitForSelector('[data-testid="trace-row"]');
    expect(await page.locator('[data-testid="trace-row"]').count()).toBe(6);
    expect(await page.locator('[data-testid="trace-row"] [data-testid="error-badge"]').count()).toBe(2);
    const hcTab = page.locator('[data-testid="vendor-tab"][data-vendor="honeycomb"]');
    expect(await hcTab.textContent()).toMatch(/Honeycomb[\s\S]*12 spans/);
    await hcTab.click();
    await page.waitForFunction(`document.querySelectorAll('[data-testid="trace-row"]').length === 3`);
    expect(await page.locator('[data-testid="trace-row"][data-vendor="xray"]').count()).toBe(0);
    await keepShot('traces');
  });

  it('opens a trace as a waterfall with the chaos.latency span highlighted and an attributes panel', async () => {
    const traceId = '1-65a1b2c3-000000000000000000000002';
    await page.goto(`${sandbox.url}/#/trace/xray/${traceId}`);
    await page.waitForSelector('[data-testid="waterfall-row"]');
    const rows = page.locator('[data-testid="waterfall-row"]');
    expect(await rows.count()).toBe(4);
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-span-name')))).toEqual([
      'GET /activities',
      'chaos.latency',
      'GET /profiles',
      'GET /profiles/:id',
    ]);
    const chaos = page.locator('[data-testid="waterfall-row"][data-span-name="chaos.latency"]');
    expect(await chaos.getAttribute('class')).toMatch(/\bchaos\b/);
    expect(await chaos.locator('[data-testid="chaos-badge"]').textContent()).toBe('chaos +120 ms');
    // The bar itself is striped, not the plain service colour.
    const barBackground = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('[data-span-name="chaos.latency"] .wf-bar')).backgroundImage`,
    );
    expect(barBackground).toMatch(/repeating-linear-gradient/);

    await page.locator('[data-testid="waterfall-row"][data-span-name="GET /activities"]').click();
    await page.waitForSelector('[data-testid="native-bag"]');
    const bags = await page
      .locator('[data-testid="native-bag"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-bag')));
    expect(bags).toEqual(['annotations', 'metadata']);
    expect(await page.locator('[data-testid="native-bag"][data-bag="annotations"]').textContent()).toMatch(
      /bakeoff_run_id[\s\S]*demo/,
    );
    await keepShot('trace');
  });

  it('lists errors and logs with links to their trace or request', async () => {
    await page.goto(`${sandbox.url}/#/errors`);
    await page.waitForSelector('[data-testid="error-row"]');
    expect(await page.locator('[data-testid="error-row"][data-vendor="rollbar"]').textContent()).toMatch(
      /UpstreamError/,
    );
    await keepShot('errors');
    await page.goto(`${sandbox.url}/#/logs?vendor=cloudwatch`);
    await page.waitForSelector('[data-testid="log-row"]');
    expect(await page.locator('[data-testid="log-row"]').count()).toBe(3);
    await keepShot('logs');
  });

  it("lists one row per error occurrence, with the vendor's native records inside it", async () => {
    await page.goto(`${sandbox.url}/#/errors?vendor=xray`);
    await page.waitForSelector('[data-testid="error-row"]');
    expect(await page.locator('[data-testid="error-row"]').count()).toBe(1);
    const records = page.locator('[data-testid="error-row"] [data-testid="native-records"]');
    expect(await records.locator('summary').textContent()).toBe('sent as 4 native records');
    expect(await records.locator('li').count()).toBe(4);
    await page.goto(`${sandbox.url}/#/compare/demo/2`);
    const column = page.locator('[data-testid="vendor-column"][data-vendor="xray"]');
    await column.locator('[data-testid="column-error"]').waitFor();
    expect(await column.locator('[data-testid="column-error"]').count()).toBe(1);
    expect(await column.locator('[data-testid="column-error"]').textContent()).toMatch(/×4 records/);
  });

  it('shows one column per vendor for a request, and saves a PNG screenshot', async () => {
    await page.goto(`${sandbox.url}/#/compare/demo/2`);
    await page.waitForSelector('[data-testid="vendor-column"]');
    const vendors = await page
      .locator('[data-testid="vendor-column"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-vendor')));
    expect(vendors).toEqual(['honeycomb', 'xray', 'rollbar', 'cloudwatch']);
    const xray = page.locator('[data-testid="vendor-column"][data-vendor="xray"]');
    expect(await xray.locator('[data-testid="waterfall-row"]').count()).toBe(4);
    expect(await xray.locator('[data-testid="waterfall-row"].chaos').count()).toBe(1);
    expect(
      await page
        .locator('[data-testid="vendor-column"][data-vendor="rollbar"] [data-testid="column-error"]')
        .textContent(),
    ).toMatch(/UpstreamError/);

    await page.goto(`${sandbox.url}/#/compare/demo/3`);
    await page.waitForSelector(
      '[data-testid="vendor-column"][data-vendor="rollbar"] [data-testid="nothing-received"]',
    );
    await page.goto(`${sandbox.url}/#/compare/demo/2`);
    await page.waitForSelector(
      '[data-testid="vendor-column"][data-vendor="rollbar"] [data-testid="column-error"]',
    );

    const file = path.join(outDir, 'compare.png');
    await page.screenshot({ path: file, fullPage: true });
    const png = fs.readFileSync(file);
    expect(png.length).toBeGreaterThan(10_000);
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    await keepShot('compare');
  });
});
