/**
 * Side by side on a laptop (issue 14), in Debian's chromium via playwright-core at 1366×768 and 1920×1080: six
 * vendors' columns fit without sideways scroll, names are the vendors' console names and not cut short, and the
 * request picker shows seq, route, status and chaos and filters to errors or chaos.
 * Set VIEWS_SHOTS=<dir> to keep a screenshot of the view there.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { addRequest } from '../sandbox/view-records';

const RUN = 'laptop';
const shots = process.env.VIEWS_SHOTS;
let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const base = Date.now() - 60_000;
  for (let seq = 1; seq <= 8; seq++) {
    addRequest(sandbox.store, {
      run: RUN,
      seq,
      base: base + seq * 1000,
      delayMs: seq % 3 === 0 ? 150 : undefined,
      fault: seq === 4 || seq === 8,
    });
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

const optionTexts = (page: Page) =>
  page.locator('[data-testid="seq-select"] option').evaluateAll((os) => os.map((o) => o.textContent));

requirePackages(['chromium'])('side by side in chromium', () => {
  for (const viewport of [
    { width: 1366, height: 768 },
    { width: 1920, height: 1080 },
  ]) {
    describe(`at ${viewport.width}×${viewport.height}`, () => {
      it('fits six vendors without sideways scroll, with console names in full on hover', async () => {
        const page = await browser.newPage({ viewport });
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(String(e)));
        await page.goto(`${sandbox.url}/#/compare/${RUN}/3`);
        await page.waitForSelector(
          '[data-testid="vendor-column"][data-vendor="datadog"] [data-testid="console-name"]',
        );
        expect(await page.locator('[data-testid="vendor-column"]').count()).toBe(6);
        expect(
          await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
        ).toBeLessThanOrEqual(0);
        // No column is cut off either: each lies within the window.
        const rights = await page
          .locator('[data-testid="vendor-column"]')
          .evaluateAll((cols) => cols.map((c) => c.getBoundingClientRect().right));
        expect(Math.max(...rights)).toBeLessThanOrEqual(viewport.width);

        // Datadog: the resource, with the operation name beside it; the native field on hover.
        const dd = page
          .locator('[data-testid="vendor-column"][data-vendor="datadog"] [data-testid="waterfall-row"]')
          .first();
        expect(await dd.locator('[data-testid="console-name"]').innerText()).toBe(
          'GET /api/activities/@:handle',
        );
        expect(await dd.locator('[data-testid="console-op"]').innerText()).toBe('express.request');
        expect(await dd.getAttribute('title')).toContain('resource · operation express.request');
        // X-Ray: the segment named after the service, its subsegment by name.
        const xray = page.locator(
          '[data-testid="vendor-column"][data-vendor="xray"] [data-testid="waterfall-row"]',
        );
        expect(await xray.first().getAttribute('title')).toContain('segment.name');
        expect(await xray.nth(1).getAttribute('title')).toContain('subsegment.name');
        // Nothing is cut to a couple of letters: every name has room for at least ~8 characters.
        const widths = await page
          .locator('[data-testid="console-name"]')
          .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
        expect(Math.min(...widths)).toBeGreaterThanOrEqual(56);
        if (shots && viewport.width === 1366)
          await page.screenshot({ path: path.join(shots, `side-by-side-${viewport.width}.png`) });
        expect(problems).toEqual([]);
        await page.close();
      });

      it('the request picker shows seq, route, status and chaos, and filters to errors or chaos', async () => {
        const page = await browser.newPage({ viewport });
        await page.goto(`${sandbox.url}/#/compare/${RUN}/1`);
        await page.waitForSelector('[data-testid="seq-select"]');
        const all = await optionTexts(page);
        expect(all).toHaveLength(8);
        expect(all[2]).toBe('#3 · GET /api/activities/@:handle · 200 · +150 ms');
        expect(all[3]).toBe('#4 · GET /api/activities/@:handle · 500 · fault feed-fails');
        await page.selectOption('[data-testid="request-filter"]', 'errors');
        await page.waitForFunction(`location.hash === '#/compare/${RUN}/4?only=errors'`);
        await page.waitForFunction(
          `document.querySelectorAll('[data-testid="seq-select"] option').length === 2`,
        );
        expect(await optionTexts(page)).toEqual([
          '#4 · GET /api/activities/@:handle · 500 · fault feed-fails',
          '#8 · GET /api/activities/@:handle · 500 · fault feed-fails',
        ]);
        await page.click('[data-testid="next-request"]');
        await page.waitForFunction(`location.hash === '#/compare/${RUN}/8?only=errors'`);
        await page.selectOption('[data-testid="request-filter"]', 'chaos');
        await page.waitForFunction(
          `document.querySelectorAll('[data-testid="seq-select"] option').length === 4`,
        );
        expect((await optionTexts(page)).map((t) => t?.split(' ')[0])).toEqual(['#3', '#4', '#6', '#8']);
        await page.close();
      });
    });
  }
});
