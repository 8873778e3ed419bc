/**
 * Chaos and load from the sandbox UI (issue 14) in Debian's chromium via playwright-core, against a real pair of
 * services: the chaos page link when admin is enabled, the hint when it is not, and a seeded load run with a
 * progress bar that reaches its end. Needs `npm run build` (the load CLI under dist/).
 * Set VIEWS_SHOTS=<dir> to keep a screenshot of the view there.
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { type ServicePair, startPair } from '../helpers/services';

const shots = process.env.VIEWS_SHOTS;
let sandbox: Sandbox;
let browser: Browser;
let withAdmin: ServicePair;
let withoutAdmin: ServicePair;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  withAdmin = await startPair({ ADMIN_TOKEN: 'ui-admin-token-0123456789' });
  withoutAdmin = await startPair({});
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await withAdmin?.close();
  await withoutAdmin?.close();
  await sandbox?.close();
});

requirePackages(['chromium'])('chaos and load view in chromium', () => {
  for (const viewport of [
    { width: 1366, height: 768 },
    { width: 1920, height: 1080 },
  ]) {
    it(`at ${viewport.width}×${viewport.height}: links the chaos page and runs a seeded load to the end`, async () => {
      const page = await browser.newPage({ viewport });
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(String(e)));

      await page.goto(`${sandbox.url}/#/control?target=${encodeURIComponent(withoutAdmin.url)}`);
      const state = page.locator('[data-testid="admin-state"]');
      await state.waitFor();
      expect(await state.getAttribute('data-admin')).toBe('disabled');
      expect(await state.innerText()).toContain('ADMIN_TOKEN');

      await page.goto(`${sandbox.url}/#/control?target=${encodeURIComponent(withAdmin.url)}`);
      await page.waitForSelector('[data-testid="chaos-page-link"]');
      expect(await page.getAttribute('[data-testid="chaos-page-link"]', 'href')).toBe(
        `${withAdmin.url}/admin`,
      );

      await page.fill('[data-testid="load-requests"]', '15');
      await page.click('[data-testid="load-start"]');
      await page.waitForSelector('[data-testid="load-progress"]');
      await page.waitForSelector('[data-testid="load-status"][data-state="done"]', { timeout: 60_000 });
      expect(await page.locator('[data-testid="load-count"]').innerText()).toMatch(
        /^15 \/ 15 requests · 100%/,
      );
      expect(await page.getAttribute('[data-testid="load-progress"]', 'value')).toBe('15');
      expect(
        await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth'),
      ).toBeLessThanOrEqual(0);
      if (shots && viewport.width === 1366) await page.screenshot({ path: path.join(shots, 'control.png') });
      expect(problems).toEqual([]);
      await page.close();
    });
  }
});
