/**
 * What the sandbox UI shows of the fields foreign clients send (issue 11 §3): OTel span events and links on the
 * waterfall, an X-Ray span that never completed drawn as in progress, X-Ray's segment user and service, and a
 * Sentry error's request, user and breadcrumbs where Sentry's issue page shows them. Records go straight into
 * the store in the shape the decoders produce (the decoders have their own tests), driven in Debian's chromium.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchChromium } from '../../harness/browser';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { requirePackages } from '../helpers/system-packages';
import { batch, error, meta, span } from '../sandbox/records';

const OTLP_TRACE = '0af7651916cd43dd8448eb211c80319c';
const LINKED_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const XRAY_TRACE = '1-65f00000-0123456789abcdef01234567';
const SENTRY_TRACE = '771a43a4192642f0b136d5159a501700';
const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

let sandbox: Sandbox;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const { store } = sandbox;
  store.accept(
    'otlp',
    meta(),
    batch({
      spans: [
        span('otlp', OTLP_TRACE, 'b7ad6b7169203331', {
          name: 'process orders',
          service: 'orders-worker',
          kind: 'consumer',
          startMs: T0,
          durationMs: 100,
          events: [
            { name: 'cache.miss', timeMs: T0 + 10, attributes: { 'cache.key': 'sku-1' } },
            { name: 'exception', timeMs: T0 + 80, attributes: { 'exception.type': 'ValueError' } },
          ],
          links: [
            {
              traceId: LINKED_TRACE,
              spanId: '00f067aa0ba902b7',
              attributes: { 'messaging.operation': 'publish' },
            },
          ],
        }),
        span('otlp', LINKED_TRACE, '00f067aa0ba902b7', { name: 'publish orders', startMs: T0 - 50 }),
      ],
    }),
  );
  store.accept(
    'xray',
    meta(300, 'udp'),
    batch({
      spans: [
        span('xray', XRAY_TRACE, '1111111111111111', {
          name: 'orders-api',
          service: 'orders-api',
          kind: 'server',
          startMs: T0,
          durationMs: 200,
          native: {
            annotations: {},
            metadata: {},
            user: { user: 'alice@example.com' },
            service: { runtime: 'CPython', runtime_version: '3.12.2' },
          },
        }),
        span('xray', XRAY_TRACE, '2222222222222222', {
          parentId: '1111111111111111',
          name: 'payments',
          service: 'orders-api',
          kind: 'client',
          startMs: T0 + 40,
          durationMs: 0,
          inProgress: true,
        }),
      ],
    }),
  );
  store.accept(
    'sentry',
    meta(500, '/api/:project/envelope/'),
    batch({
      spans: [span('sentry', SENTRY_TRACE, 'a1b2c3d4e5f60718', { name: '/orders/{id}', startMs: T0 })],
      errors: [
        error('sentry', {
          type: 'OperationalError',
          message: 'connection reset',
          traceId: SENTRY_TRACE,
          spanId: 'a1b2c3d4e5f60718',
          native: {
            tags: {},
            request: { method: 'GET', url: 'http://orders.internal/orders/42' },
            user: { id: '42', ip_address: '10.0.0.7' },
            breadcrumbs: {
              values: [
                { category: 'query', message: 'BEGIN' },
                { category: 'httplib', data: { url: 'http://users/42' }, level: 'info' },
              ],
            },
          },
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

const row = (name: string) => page.locator(`[data-testid="waterfall-row"][data-span-name="${name}"]`);

requirePackages(['chromium'])('sandbox UI: what foreign clients send', () => {
  it('marks span events on the bar and lists events and links, each link opening its trace', async () => {
    await page.goto(`${sandbox.url}/#/trace/otlp/${OTLP_TRACE}`);
    await page.waitForSelector('[data-testid="waterfall-row"]');
    const worker = row('process orders');
    expect(await worker.locator('[data-testid="span-event"]').count()).toBe(2);
    expect(await worker.locator('[data-testid="span-event"].exception').count()).toBe(1);
    expect(await worker.locator('[data-testid="link-badge"]').textContent()).toBe('1 link');

    await worker.click();
    await page.waitForSelector('[data-testid="span-events"]');
    const events = page.locator('[data-testid="span-event-item"]');
    expect(await events.count()).toBe(2);
    expect(await events.first().textContent()).toMatch(
      /cache\.miss[\s\S]*\+10 ms[\s\S]*cache\.key[\s\S]*sku-1/,
    );
    const link = page.locator('[data-testid="span-link"]');
    expect(await link.getAttribute('href')).toBe(`#/trace/otlp/${LINKED_TRACE}`);
    expect(await page.locator('[data-testid="span-links"]').textContent()).toMatch(/messaging\.operation/);

    await link.click();
    await page.waitForSelector('[data-testid="waterfall-row"][data-span-name="publish orders"]');
  });

  it('draws a span that never completed as in progress, open to the end of the trace', async () => {
    await page.goto(`${sandbox.url}/#/trace/xray/${XRAY_TRACE}`);
    await page.waitForSelector('[data-testid="waterfall-row"]');
    const payments = row('payments');
    expect(await payments.getAttribute('class')).toMatch(/\bin-progress\b/);
    expect(await payments.locator('[data-testid="in-progress-badge"]').textContent()).toBe('in progress');
    expect(await payments.locator('.wf-dur').textContent()).toBe('in progress');
    // Starts 40 ms into a 200 ms trace and has no end: the bar covers the remaining 80 %, not a 0 ms sliver.
    const widths = await payments.evaluate((el) => {
      const track = el.querySelector('.wf-track')!.getBoundingClientRect().width;
      return el.querySelector('.wf-bar')!.getBoundingClientRect().width / track;
    });
    expect(widths).toBeGreaterThan(0.75);

    await payments.click();
    expect(await page.locator('[data-testid="span-fields"]').textContent()).toMatch(/in progress/);
  });

  it("shows the X-Ray segment's user and service with the segment", async () => {
    await row('orders-api').click();
    await page.waitForSelector('[data-testid="native-bag"][data-bag="user"]');
    expect(await page.locator('[data-testid="native-bag"][data-bag="user"]').textContent()).toMatch(
      /alice@example\.com/,
    );
    expect(await page.locator('[data-testid="native-bag"][data-bag="service"]').textContent()).toMatch(
      /runtime[\s\S]*CPython/,
    );
  });

  it("shows a Sentry error's request, user and breadcrumbs with the error", async () => {
    await page.goto(`${sandbox.url}/#/trace/sentry/${SENTRY_TRACE}`);
    await page.waitForSelector('[data-testid="trace-errors"] [data-testid="error-details"]');
    const details = page.locator('[data-testid="trace-errors"] [data-testid="error-details"]');
    expect(await details.getAttribute('open')).not.toBeNull();
    expect(await details.locator('[data-testid="error-request"]').textContent()).toMatch(
      /GET http:\/\/orders\.internal\/orders\/42/,
    );
    expect(await details.locator('[data-testid="error-user"]').textContent()).toMatch(
      /ip_address[\s\S]*10\.0\.0\.7/,
    );
    expect(await details.locator('[data-testid="breadcrumbs"] tr').count()).toBe(2);

    await page.goto(`${sandbox.url}/#/errors?vendor=sentry`);
    await page.waitForSelector('[data-testid="error-row"] [data-testid="error-details"]');
    expect(
      await page.locator('[data-testid="error-row"] [data-testid="error-details"] summary').textContent(),
    ).toBe('request · user · 2 breadcrumbs');
  });
});
