/**
 * Trace search, logs and the trace page's log lines in Debian's chromium via playwright-core, at a laptop's
 * 1366×768 and at 1920×1080: what the URL holds is what the page shows, bad input reads as a message, nothing
 * scrolls sideways and the console stays clean. Data in the shapes all six vendors send (test/sandbox/view-records.ts).
 * Set VIEWS_SHOTS=<dir> to keep a screenshot of each view there (docs/img/views/ is made this way).
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { addRequest, traceIdsOf } from '../sandbox/view-records';

const RUN = 'ui-run';
/** An earlier run: a URL without `run` must not show it, `run=*` must. */
const OLD_RUN = 'old-run';
const REQUESTS = 30; // × 4 tracing vendors = 120 traces: more than one page of 100
const VIEWPORTS = [
  { width: 1366, height: 768 },
  { width: 1920, height: 1080 },
];
const shots = process.env.VIEWS_SHOTS;

let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const base = Date.now() - 120_000;
  for (let seq = 1; seq <= 2; seq++) {
    addRequest(sandbox.store, { run: OLD_RUN, seq, base: base - 3_600_000 + seq * 1000, handle: 'ada' });
  }
  for (let seq = 1; seq <= REQUESTS; seq++) {
    addRequest(sandbox.store, {
      run: RUN,
      seq,
      base: base + seq * 1000,
      handle: ['ada', 'grace', 'linus'][seq % 3],
      delayMs: seq % 4 === 0 ? 180 + seq : undefined,
      fault: seq % 6 === 0,
    });
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

/** A page at one viewport that records console errors and failed requests. */
async function openPage(viewport: { width: number; height: number }) {
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { page, problems };
}

/** A fresh load of the page: a hash-only change would leave the previous view's rows to match `ready`. */
async function show(page: Page, hash: string, ready: string) {
  await page.goto('about:blank');
  await page.goto(`${sandbox.url}/${hash}`);
  await page.waitForSelector(ready);
}

const overflow = (page: Page) =>
  page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

requirePackages(['chromium'])('search and logs views in chromium', () => {
  it('a URL without a run shows the latest run; run=* shows every run', async () => {
    const { page, problems } = await openPage(VIEWPORTS[0]);
    const runsShown = async (hash: string, row: string) => {
      await show(page, hash, row);
      return new Set(
        await page.locator(`${row} .run-seq`).evaluateAll((els) => els.map((e) => e.textContent)),
      );
    };
    const latest = await runsShown(
      '#/search?vendor=xray&attr=app.user_handle%3Dada',
      '[data-testid="search-row"]',
    );
    expect([...latest].some((t) => t?.includes(OLD_RUN))).toBe(false);
    expect([...latest].some((t) => t?.includes(RUN))).toBe(true);
    const every = await runsShown(
      '#/search?vendor=xray&attr=app.user_handle%3Dada&run=*',
      '[data-testid="search-row"]',
    );
    expect([...every].some((t) => t?.includes(OLD_RUN))).toBe(true);
    expect(await page.locator('[data-testid="search-form"] select[name="run"]').inputValue()).toBe('*');
    expect(problems).toEqual([]);
    await page.close();
  });

  for (const viewport of VIEWPORTS) {
    describe(`at ${viewport.width}×${viewport.height}`, () => {
      it('trace search: the URL filters, rows show route, status, duration, spans and chaos; pages on', async () => {
        const { page, problems } = await openPage(viewport);
        await show(
          page,
          '#/search?vendor=xray&attr=app.user_handle%3Dada&errors=1',
          '[data-testid="search-row"]',
        );
        const rows = page.locator('[data-testid="search-row"]');
        // Handles cycle grace, linus, ada: ada on seq 3, 6, …; errors on 6, 12, …: 6, 12, 18, 24, 30.
        expect(await rows.count()).toBe(5);
        expect(await page.locator('[data-testid="search-row"][data-vendor="xray"]').count()).toBe(5);
        const first = rows.first();
        expect(await first.getAttribute('data-trace-id')).toBe(traceIdsOf({ run: RUN, seq: 30 }).xray);
        const text = await first.innerText();
        expect(text).toContain('GET /api/activities/@:handle');
        expect(text).toContain('500');
        expect(text).toContain('chaos feed-fails'); // seq 30: a fault, no delay
        // The form shows what the URL holds.
        expect(await page.locator('[data-testid="search-attr"]').inputValue()).toBe('app.user_handle=ada');
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (shots && viewport.width === 1366) await page.screenshot({ path: path.join(shots, 'search.png') });

        // All vendors: 120 traces, 100 on the first page, the rest behind the cursor.
        await show(page, '#/search', '[data-testid="search-row"]');
        expect(await page.locator('[data-testid="search-total"]').innerText()).toBe('120 traces match');
        expect(await rows.count()).toBe(100);
        await page.click('[data-testid="search-next"]');
        await page.waitForFunction(`document.querySelectorAll('[data-testid="search-row"]').length === 20`);
        expect(page.url()).toContain('cursor=');

        // Typing a filter and pressing Enter puts it in the URL.
        await page.fill('[data-testid="search-name"]', 'users.lookup');
        await page.press('[data-testid="search-name"]', 'Enter');
        await page.waitForFunction(`location.hash.includes('name=users.lookup')`);
        await page.waitForFunction(
          `document.querySelector('[data-testid="search-total"]')?.textContent === '60 traces match'`,
        );
        expect(page.url()).not.toContain('cursor=');
        expect(problems).toEqual([]);
        await page.close();
      });

      it('trace search: bad input reads as a message, not a blank page', async () => {
        const { page } = await openPage(viewport);
        await show(page, '#/search?minMs=500&maxMs=20', '[data-testid="search-error"]');
        expect(await page.locator('[data-testid="search-error"]').innerText()).toContain(
          'minMs (500) is larger than maxMs (20)',
        );
        // The form is still there to fix it.
        expect(await page.locator('[data-testid="search-minMs"]').inputValue()).toBe('500');
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.close();
      });

      it("logs: filter by level and field; a line's trace ids open that trace in each vendor", async () => {
        const { page, problems } = await openPage(viewport);
        await show(page, '#/logs?level=error%2Cfatal&field=user.handle%3Dada', '[data-testid="log-row"]');
        const rows = page.locator('[data-testid="log-row"]');
        expect(await rows.count()).toBe(5); // the failing requests, all ada's
        expect(await page.locator('[data-testid="log-row"][data-vendor="cloudwatch"]').count()).toBe(5);
        const links = rows.first().locator('[data-testid="log-trace-link"]');
        expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('data-vendor')))).toEqual([
          'honeycomb',
          'xray',
          'datadog',
          'sentry',
        ]);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        if (shots && viewport.width === 1366) await page.screenshot({ path: path.join(shots, 'logs.png') });
        await rows.first().locator('[data-testid="log-trace-link"][data-vendor="xray"]').click();
        await page.waitForSelector('[data-testid="trace-view"]');
        expect(decodeURIComponent(page.url())).toContain(
          `#/trace/xray/${traceIdsOf({ run: RUN, seq: 30 }).xray}`,
        );
        // From the trace: its log lines, though CloudWatch, not X-Ray, shipped them.
        const traceLogs = page.locator('[data-testid="trace-logs"] [data-testid="log-item"]');
        expect(await traceLogs.count()).toBe(1);
        expect(await traceLogs.first().innerText()).toContain('GET /api/activities/@:handle 500');
        expect(problems).toEqual([]);
        await page.close();
      });

      it('logs: a bad level reads as a message', async () => {
        const { page } = await openPage(viewport);
        await show(page, '#/logs?level=loud', '[data-testid="logs-error"]');
        expect(await page.locator('[data-testid="logs-error"]').innerText()).toContain(
          'level "loud" is not one of',
        );
        await page.close();
      });
    });
  }
});
