/**
 * The async hop in the sandbox UI (issue 15): the waterfall labels the producer and consumer ends of a queue
 * hop, and a consumer's link to the request that sent its message reads "linked from request #N", opening that
 * request's trace. Records go straight into the store in the shape the decoders produce (the adapters' async
 * tests cover what the real SDKs send), driven in Debian's chromium at 1366×768 and 1920×1080. Set
 * SANDBOX_UI_SHOTS=<dir> to keep the screenshots.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { batch, meta, span } from '../sandbox/records';

const REQUEST_TRACE = '0af7651916cd43dd8448eb211c80319c';
const RECEIVE_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const shotsDir = process.env.SANDBOX_UI_SHOTS;

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const sqs = { 'rpc.system': 'aws-api', 'rpc.service': 'SQS', 'messaging.system': 'aws_sqs' };
  sandbox.store.accept(
    'otlp',
    meta(),
    batch({
      spans: [
        span('otlp', REQUEST_TRACE, 'a000000000000001', {
          name: 'POST /api/activities',
          kind: 'server',
          startMs: T0,
          durationMs: 40,
          attributes: { 'bakeoff.run_id': 'run-ui', 'bakeoff.seq': 7 },
        }),
        span('otlp', REQUEST_TRACE, 'a000000000000002', {
          parentId: 'a000000000000001',
          name: 'bakeoff-notifications send',
          kind: 'producer',
          startMs: T0 + 20,
          durationMs: 8,
          attributes: { ...sqs, 'rpc.method': 'SendMessage' },
        }),
        span('otlp', REQUEST_TRACE, 'a000000000000003', {
          parentId: 'a000000000000002',
          name: 'bakeoff-notifications process',
          service: 'notifications',
          kind: 'consumer',
          startMs: T0 + 90,
          durationMs: 15,
          links: [{ traceId: REQUEST_TRACE, spanId: 'a000000000000002', attributes: {} }],
        }),
        span('otlp', RECEIVE_TRACE, 'b000000000000001', {
          name: 'bakeoff-notifications receive',
          service: 'notifications',
          kind: 'consumer',
          startMs: T0 + 85,
          durationMs: 3,
          attributes: { ...sqs, 'rpc.method': 'ReceiveMessage' },
          links: [
            {
              traceId: REQUEST_TRACE,
              spanId: 'a000000000000002',
              attributes: { 'messaging.message.id': 'm-1' },
            },
          ],
        }),
      ],
    }),
  );
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
});

const row = (name: string) => page.locator(`[data-testid="waterfall-row"][data-span-name="${name}"]`);

async function noHiddenHorizontalScroll(): Promise<void> {
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
}

requirePackages(['chromium'])('sandbox UI: the async hop', () => {
  it('labels the producer and consumer ends of the queue hop in the waterfall', async () => {
    await page.goto(`${sandbox.url}/#/trace/otlp/${REQUEST_TRACE}`);
    await page.waitForSelector('[data-testid="waterfall-row"]');
    expect(await row('bakeoff-notifications send').locator('[data-testid="kind-badge"]').textContent()).toBe(
      'producer',
    );
    expect(
      await row('bakeoff-notifications process').locator('[data-testid="kind-badge"]').textContent(),
    ).toBe('consumer');
    // A server span is not a queue end: no kind badge.
    expect(await row('POST /api/activities').locator('[data-testid="kind-badge"]').count()).toBe(0);
    await noHiddenHorizontalScroll();
    if (shotsDir)
      await page.screenshot({ path: path.join(shotsDir, 'async-waterfall-1366.png'), fullPage: true });
  });

  it('names the request a receive span is linked from, and opens its trace', async () => {
    await page.goto(`${sandbox.url}/#/trace/otlp/${RECEIVE_TRACE}`);
    await page.waitForSelector('[data-testid="waterfall-row"]');
    await row('bakeoff-notifications receive').click();
    const link = page.locator('[data-testid="span-link"]');
    await page.waitForFunction(
      `/linked from request #7/.test(document.querySelector('[data-testid="span-link"]')?.textContent ?? '')`,
    );
    expect(await link.textContent()).toBe('linked from request #7 · POST /api/activities');
    expect(await link.getAttribute('href')).toBe(`#/trace/otlp/${REQUEST_TRACE}`);
    await page.setViewportSize({ width: 1920, height: 1080 });
    await noHiddenHorizontalScroll();
    if (shotsDir) await page.screenshot({ path: path.join(shotsDir, 'async-link-1920.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 768 });
    await noHiddenHorizontalScroll();
  });
});
