/**
 * PNGs for write-ups, taken from the sandbox UI: the side-by-side view of one request, one waterfall per
 * tracing vendor, and the errors view.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../browser';
import type { Screenshot } from './report';

export interface ScreenshotPlan {
  sandboxUrl: string;
  runId: string;
  /** The request to show side by side (one with injected latency reads best). */
  seq: number;
  /** How many vendors the side-by-side view shows. */
  columns: number;
  /** Tracing vendors and the trace id each recorded for that seq. */
  waterfalls: Array<{ vendor: string; traceId: string }>;
  dir: string;
}

export async function takeScreenshots(plan: ScreenshotPlan): Promise<Screenshot[]> {
  mkdirSync(path.join(plan.dir, 'screenshots'), { recursive: true });
  const browser = await launchChromium();
  const shots: Screenshot[] = [];
  try {
    const shoot = async (title: string, hash: string, ready: string, file: string, width = 1440) => {
      // A fresh page per shot: a hash change within one page can keep the previous view's state.
      const page = await browser.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
      await page.goto(`${plan.sandboxUrl}/${hash}`);
      await page.waitForSelector(ready, { timeout: 15_000 });
      await page.waitForTimeout(300); // let the live list settle after its first render
      const rel = path.join('screenshots', file);
      await page.screenshot({ path: path.join(plan.dir, rel), fullPage: true });
      await page.close();
      shots.push({ title, file: rel });
    };
    const run = encodeURIComponent(plan.runId);
    await shoot(
      `Side by side: request #${plan.seq}`,
      `#/compare/${run}/${plan.seq}`,
      '[data-testid="vendor-column"]',
      'side-by-side.png',
      // Wide enough for one column per vendor.
      Math.max(1440, 300 * plan.columns + 80),
    );
    for (const { vendor, traceId } of plan.waterfalls) {
      await shoot(
        `${vendor}: waterfall of request #${plan.seq}`,
        `#/trace/${encodeURIComponent(vendor)}/${encodeURIComponent(traceId)}`,
        '[data-testid="waterfall-row"]',
        `waterfall-${vendor}.png`,
      );
    }
    await shoot(
      'Errors, all vendors',
      `#/errors?run=${run}`,
      '[data-testid="error-row"], [data-testid="empty-state"]',
      'errors.png',
    );
  } finally {
    await browser.close();
  }
  return shots;
}
