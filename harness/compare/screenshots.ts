/**
 * PNGs for write-ups, taken from the sandbox UI at a laptop's 1366×768: the side-by-side view of one request,
 * then, per vendor, the six views the tracing homework asks a console screenshot of (HOMEWORK_VIEWS). Files
 * are named `screenshots/<vendor>-<view>.png`, so a write-up can point at them before they exist.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Signal } from '../../vendors/types';
import { launchChromium } from '../browser';
import type { Screenshot } from './report';

/** The homework's console screenshots, in its order, each with the signal a vendor needs to have it. */
export const HOMEWORK_VIEWS = [
  { view: 'traces', label: 'Filtered traces (creates with injected delay)', needs: 'traces' },
  { view: 'waterfall', label: 'Trace waterfall with the injected chaos.latency span', needs: 'traces' },
  { view: 'service-map', label: 'Service map', needs: 'traces' },
  { view: 'latency', label: 'Latency by app.user_handle', needs: 'traces' },
  { view: 'error', label: 'Grouped error with its stack', needs: 'errors' },
  { view: 'logs', label: 'Log lines of the same request', needs: null },
] as const satisfies ReadonlyArray<{ view: string; label: string; needs: Signal | null }>;

export type HomeworkView = (typeof HOMEWORK_VIEWS)[number]['view'];

/** What one vendor's shots show; null where its data has none. */
export interface VendorShotPlan {
  vendor: string;
  signals: readonly Signal[];
  /** The vendor's trace of the chosen request. */
  traceId: string | null;
  /** The vendor's error group to open (ReplyWriteError when it has one). */
  errorGroupId: string | null;
}

export interface ScreenshotPlan {
  sandboxUrl: string;
  runId: string;
  /** The request to show side by side and in every waterfall: a create with injected latency. */
  seq: number;
  vendors: VendorShotPlan[];
  dir: string;
}

export interface HomeworkShot extends Screenshot {
  vendor: string;
  view: HomeworkView;
  /** The sandbox URL's hash: the same view on any sandbox holding this run (`#/search?…`). */
  hash: string;
}

/** A homework view a vendor's data cannot show, and why. */
export interface SkippedShot {
  vendor: string;
  view: HomeworkView;
  reason: string;
}

export interface ScreenshotSet {
  sideBySide: Screenshot | null;
  shots: HomeworkShot[];
  skipped: SkippedShot[];
}

/** The set when no screenshots were asked for (or the browser failed). */
export const NO_SCREENSHOTS: ScreenshotSet = { sideBySide: null, shots: [], skipped: [] };

export const SCREENSHOT_VIEWPORT = { width: 1366, height: 768 } as const;

/** Where a vendor's shot of one view goes, relative to the report's directory. */
export const shotFile = (vendor: string, view: HomeworkView) => `screenshots/${vendor}-${view}.png`;

/** The hash of a vendor's view, or why that vendor's data has no such view. */
export function viewHash(
  plan: Pick<ScreenshotPlan, 'runId' | 'seq'>,
  v: VendorShotPlan,
  view: HomeworkView,
): { hash: string } | { reason: string } {
  const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const need = HOMEWORK_VIEWS.find((h) => h.view === view)!.needs;
  if (need && !v.signals.includes(need)) return { reason: `${v.vendor} sends no ${need}` };
  const run = plan.runId;
  switch (view) {
    case 'traces':
      return {
        hash: `#/search?${q({ vendor: v.vendor, run, name: 'activities.create', chaos: 'delay', sort: 'duration' })}`,
      };
    case 'waterfall':
      return v.traceId
        ? { hash: `#/trace/${encodeURIComponent(v.vendor)}/${encodeURIComponent(v.traceId)}` }
        : { reason: `${v.vendor} recorded no trace of request #${plan.seq}` };
    case 'service-map':
      return { hash: `#/map?${q({ vendor: v.vendor, run })}` };
    case 'latency':
      return { hash: `#/latency?${q({ by: 'app.user_handle', vendor: v.vendor, run })}` };
    case 'error':
      return v.errorGroupId
        ? { hash: `#/issues/${encodeURIComponent(v.errorGroupId)}?${q({ run })}` }
        : { reason: `${v.vendor} recorded no error in this run` };
    case 'logs':
      // Log lines come from the logging vendors (CloudWatch, OTLP); every vendor's run stamps the same seq.
      return { hash: `#/logs?${q({ run, field: `seq=${plan.seq}` })}` };
  }
}

/** What each shot waits for: the view's rows, or the notice it shows when there are none. */
const READY: Record<HomeworkView, string> = {
  traces: '[data-testid="search-row"], [data-testid="empty-state"], [data-testid="search-error"]',
  waterfall: '[data-testid="waterfall-row"]',
  'service-map': '[data-testid="map-node"], [data-testid="map-unsupported"], [data-testid="empty-state"]',
  latency: '[data-testid="heat-cell"], [data-testid="latency-unsupported"], [data-testid="empty-state"]',
  error: '[data-testid="stack-frame"], [data-testid="issue-message"]',
  logs: '[data-testid="log-row"], [data-testid="empty-state"], [data-testid="logs-error"]',
};

export async function takeScreenshots(plan: ScreenshotPlan): Promise<ScreenshotSet> {
  mkdirSync(path.join(plan.dir, 'screenshots'), { recursive: true });
  const browser = await launchChromium();
  const set: ScreenshotSet = { sideBySide: null, shots: [], skipped: [] };
  try {
    const shoot = async (hash: string, ready: string, file: string) => {
      // A fresh page per shot: a hash change within one page can keep the previous view's state.
      const page = await browser.newPage({ viewport: SCREENSHOT_VIEWPORT, deviceScaleFactor: 1 });
      try {
        await page.goto(`${plan.sandboxUrl}/${hash}`);
        await page.waitForSelector(ready, { timeout: 15_000 });
        await page.waitForTimeout(300); // let the live list settle after its first render
        await page.screenshot({ path: path.join(plan.dir, file), fullPage: true });
      } finally {
        await page.close();
      }
    };
    const run = encodeURIComponent(plan.runId);
    const sideBySide = { title: `Side by side: request #${plan.seq}`, file: 'screenshots/side-by-side.png' };
    await shoot(`#/compare/${run}/${plan.seq}`, '[data-testid="vendor-column"]', sideBySide.file);
    set.sideBySide = sideBySide;
    for (const v of plan.vendors) {
      for (const { view, label } of HOMEWORK_VIEWS) {
        const target = viewHash(plan, v, view);
        if ('reason' in target) {
          set.skipped.push({ vendor: v.vendor, view, reason: target.reason });
          continue;
        }
        const file = shotFile(v.vendor, view);
        await shoot(target.hash, READY[view], file);
        set.shots.push({ title: `${v.vendor}: ${label}`, file, vendor: v.vendor, view, hash: target.hash });
      }
    }
  } finally {
    await browser.close();
  }
  return set;
}

/** Every screenshot of a set, side by side first, for the report's list. */
export const allShots = (set: ScreenshotSet): Screenshot[] =>
  set.sideBySide ? [set.sideBySide, ...set.shots] : [...set.shots];
