/**
 * Service map, latency by attribute and grouped errors in Debian's chromium via playwright-core, at a laptop's
 * 1366×768 and at 1920×1080, on what the six vendors' real SDKs sent: test/fixtures/views-real-sdks.ndjson.gz is
 * the sandbox export of `bakeoff compare --requests 40 --vendors honeycomb,xray,sentry,rollbar,datadog,cloudwatch
 * --run views-g` (seed 42, `compare` chaos), cut to requests 1–10 (requests 1 and 9 fail). A recording, not a
 * live run: six vendors' service pairs take minutes to start on a busy machine. Every view shows every vendor (or
 * says why it can't), the URL holds its state, cells and rows are reachable by keyboard, nothing scrolls
 * sideways and the console stays clean.
 * Set VIEWS_SHOTS=<dir> to keep a screenshot of each view there (docs/img/views/ is made this way).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { parseLine } from '../../sandbox/persist';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';

const VENDORS = ['honeycomb', 'xray', 'sentry', 'rollbar', 'datadog', 'cloudwatch'] as const;
const TRACING = ['honeycomb', 'xray', 'sentry', 'datadog'];
const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];
const shots = process.env.VIEWS_SHOTS;
/** Per test: a busy two-core machine renders a six-vendor page slowly; nothing here asserts time. */
const TEST_MS = 90_000;

const RUN = 'views-g';
const FIXTURE = path.join(__dirname, '..', 'fixtures', 'views-real-sdks.ndjson.gz');

let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const lines = gunzipSync(readFileSync(FIXTURE)).toString('utf8').split('\n').filter(Boolean);
  sandbox.store.replay(lines.map((text, i) => parseLine(text, i + 1)));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

async function openPage(viewport: { width: number; height: number }) {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { page, problems };
}

async function show(page: Page, hash: string, ready: string) {
  await page.goto(`${sandbox.url}/${hash}`);
  await page.waitForSelector(ready);
  await page.waitForFunction(`document.getElementById('view').dataset.ready === 'true'`);
}

/** No hidden horizontal scroll: the page is no wider than the window. */
const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

const attrs = (page: Page, selector: string, name: string) =>
  page.locator(selector).evaluateAll((els, n) => els.map((e) => e.getAttribute(n as string)), name);

async function keep(page: Page, name: string, viewport: { width: number }) {
  if (shots && viewport.width === 1366)
    await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

requirePackages(['chromium'])('analysis views on what real SDKs sent', () => {
  it.each(VIEWPORTS)(
    'service map at $width×$height: every vendor side by side, then one',
    async (viewport) => {
      const { page, problems } = await openPage(viewport);
      // No run in the URL: the latest run, which is this compare's.
      await show(page, '#/map', '[data-testid="map-card"]');
      expect(await attrs(page, '[data-testid="map-card"]', 'data-vendor')).toEqual([...VENDORS]);
      for (const vendor of TRACING) {
        const card = `[data-testid="map-card"][data-vendor="${vendor}"]`;
        const nodes = await attrs(page, `${card} [data-testid="map-node"]`, 'data-node-id');
        expect(nodes, vendor).toEqual(
          expect.arrayContaining([
            'client',
            'svc:activities',
            'svc:users',
            'db:sqlite@activities',
            'db:sqlite@users',
          ]),
        );
        const edge = page.locator(
          `${card} [data-testid="map-edge"][data-from="svc:activities"][data-to="svc:users"]`,
        );
        expect(await edge.getAttribute('aria-label'), vendor).toMatch(
          /^activities to users: \d+ calls · p50 .+ · p95 .+ errors$/,
        );
      }
      for (const vendor of ['rollbar', 'cloudwatch']) {
        const note = page.locator(
          `[data-testid="map-card"][data-vendor="${vendor}"] [data-testid="map-unsupported"]`,
        );
        expect(await note.textContent()).toMatch(/no spans, so nothing records which service called what/);
      }
      await keep(page, 'service-map', viewport);
      // Edges are keyboard-reachable, each announcing its figures.
      await page.locator('[data-testid="map-edge"]').first().focus();
      expect(await page.evaluate(`document.activeElement.getAttribute('data-testid')`)).toBe('map-edge');
      expect(await overflow(page)).toBeLessThanOrEqual(0);

      await page.selectOption('[data-testid="vendor-select"]', 'xray');
      await page.waitForFunction(`location.hash.includes('vendor=xray')`);
      // The all-vendors page already has an X-Ray card: wait for the new page, where it is the only one.
      await page.waitForFunction(
        `document.querySelectorAll('[data-testid="map-card"]').length === 1 && ` +
          `document.querySelector('[data-testid="map-card"][data-vendor="xray"] [data-testid="map-node"]') !== null`,
      );
      expect(await attrs(page, '[data-testid="map-card"]', 'data-vendor')).toEqual(['xray']);
      expect(page.url()).toContain(`run=${RUN}`);
      expect(problems).toEqual([]);
      await page.close();
    },
    TEST_MS,
  );

  it.each(VIEWPORTS)(
    'latency at $width×$height: groups, heatmap, a cell’s traces',
    async (viewport) => {
      const { page, problems } = await openPage(viewport);
      await show(page, `#/latency?by=app.user_handle&run=${RUN}`, '[data-testid="latency-card"]');
      expect(await attrs(page, '[data-testid="latency-card"]', 'data-vendor')).toEqual([...VENDORS]);
      for (const vendor of [...TRACING, 'cloudwatch']) {
        const cells = await attrs(
          page,
          `[data-testid="latency-card"][data-vendor="${vendor}"] [data-testid="heat-cell"]`,
          'data-count',
        );
        // One trace per request from a tracer; CloudWatch logs both services' access lines.
        const total = cells.reduce((n, c) => n + Number(c), 0);
        if (vendor === 'cloudwatch') expect(total).toBeGreaterThanOrEqual(10);
        else expect(total, vendor).toBe(10);
      }
      const handles = await attrs(
        page,
        '[data-testid="latency-card"][data-vendor="xray"] [data-testid="latency-group"]',
        'data-value',
      );
      expect(handles.filter((v) => v !== '(none)').length).toBeGreaterThan(0);
      expect(
        await page
          .locator('[data-testid="latency-card"][data-vendor="rollbar"] [data-testid="latency-unsupported"]')
          .textContent(),
      ).toMatch(/Rollbar receives errors only/);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await keep(page, 'latency', viewport);

      // A cell by keyboard: its traces are listed, each linking to its waterfall, and the URL holds the cell.
      const cell = page
        .locator('[data-testid="latency-card"][data-vendor="datadog"] [data-testid="heat-cell"]')
        .first();
      await cell.focus();
      await page.keyboard.press('Enter');
      await page.waitForSelector('[data-testid="cell-samples"] [data-testid="cell-sample"]');
      expect(page.url()).toMatch(/cell=datadog%3A\d+%3A\d+/);
      const sample = page.locator('[data-testid="cell-sample"] a').first();
      expect(await sample.getAttribute('href')).toMatch(/^#\/trace\/datadog\//);
      expect(await page.locator('[data-testid="cell-search-link"]').getAttribute('href')).toMatch(
        /^#\/search\?vendor=datadog&run=.+&minMs=[\d.]+&maxMs=[\d.]+/,
      );
      // A group narrows the heatmap to it.
      const group = page
        .locator('[data-testid="latency-card"][data-vendor="xray"] [data-testid="latency-group"] a')
        .first();
      const value = await group.textContent();
      await group.click();
      await page.waitForFunction(`location.hash.includes('group=')`);
      await page.waitForSelector('[data-testid="latency-group"].selected');
      expect(decodeURIComponent(page.url())).toContain(`group=${value}`);
      expect(problems).toEqual([]);
      await page.close();
    },
    TEST_MS,
  );

  it.each(VIEWPORTS)(
    'issues at $width×$height: every vendor’s groups, a group’s stack and traces',
    async (viewport) => {
      const { page, problems } = await openPage(viewport);
      await show(page, `#/issues?run=${RUN}`, '[data-testid="issue-row"]');
      const vendors = new Set(await attrs(page, '[data-testid="issue-row"]', 'data-vendor'));
      expect([...vendors].sort()).toEqual([...VENDORS].sort());
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await keep(page, 'issues', viewport);

      await page.locator('[data-testid="issue-row"][data-vendor="sentry"] a').first().click();
      await page.waitForSelector('[data-testid="issue-view"] [data-testid="stack-frame"]');
      // Innermost first: the frame that threw (the chaos engine) leads.
      expect(await page.locator('[data-testid="stack-frame"]').first().textContent()).toMatch(/applyChaos/);
      const traces = new Set(await attrs(page, '[data-testid="issue-trace"]', 'data-vendor'));
      expect([...traces].sort()).toEqual([...TRACING].sort());
      expect(await attrs(page, '[data-testid="issue-native"]', 'data-bag')).toEqual(
        expect.arrayContaining(['tags', 'request']),
      );
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await keep(page, 'issue', viewport);
      expect(problems).toEqual([]);
      await page.close();
    },
    TEST_MS,
  );
});
