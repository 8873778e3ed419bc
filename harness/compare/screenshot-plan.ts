/**
 * What `compare --screenshots` shows, read back from the sandbox after the run: one request (a create with
 * injected latency that every tracing vendor recorded, so all the waterfalls show the same `chaos.latency`
 * sleep) and, per vendor, its trace of that request and the error group to open.
 */
import { sandboxVendorOf } from '../../adapters/signals';
import type { AdapterName } from '../../vendors';
import { collectVendor } from './collect';
import type { CompareResult } from './run';
import type { ScreenshotPlan, VendorShotPlan } from './screenshots';

/** The homework's Rollbar screenshot is this error; any other group does when a vendor has none of it. */
const PREFERRED_ERROR = 'ReplyWriteError';

async function errorGroupOf(sandboxUrl: string, vendor: string, runId: string): Promise<string | null> {
  const q = new URLSearchParams({ vendor, run: runId });
  const res = await fetch(`${sandboxUrl}/api/error-groups?${q}`);
  if (!res.ok) throw new Error(`sandbox /api/error-groups answered ${res.status}: ${await res.text()}`);
  const groups = (await res.json()) as Array<{ id: string; type: string }>;
  return (groups.find((g) => g.type === PREFERRED_ERROR) ?? groups[0])?.id ?? null;
}

export async function planScreenshots(
  result: Pick<CompareResult, 'sandboxUrl' | 'runId' | 'vendors'>,
  dir: string,
): Promise<ScreenshotPlan> {
  const vendors: Array<VendorShotPlan & { delayed: Map<number, string> }> = [];
  for (const [adapter, metrics] of Object.entries(result.vendors)) {
    const vendor = sandboxVendorOf(adapter as AdapterName);
    if (!vendor) continue; // the baseline sends nothing
    const delayed = new Map<number, string>();
    if (metrics.signals.includes('traces')) {
      const haul = await collectVendor(result.sandboxUrl, vendor, result.runId, {
        since: 0,
        until: Date.now(),
      });
      for (const t of haul.traces) {
        if (t.seq !== null && t.spans.some((s) => s.name === 'chaos.latency' && s.service === 'activities'))
          delayed.set(t.seq, t.traceId);
      }
    }
    const errorGroupId = metrics.signals.includes('errors')
      ? await errorGroupOf(result.sandboxUrl, vendor, result.runId)
      : null;
    vendors.push({ vendor, signals: metrics.signals, traceId: null, errorGroupId, delayed });
  }
  const tracing = vendors.filter((v) => v.signals.includes('traces'));
  const candidates = [...new Set(tracing.flatMap((v) => [...v.delayed.keys()]))].sort((a, b) => a - b);
  // The first such request every tracing vendor has; else the one most of them have.
  const coverage = (seq: number) => tracing.filter((v) => v.delayed.has(seq)).length;
  const seq = candidates.reduce<number | undefined>(
    (best, s) => (best === undefined || coverage(s) > coverage(best) ? s : best),
    undefined,
  );
  return {
    sandboxUrl: result.sandboxUrl,
    runId: result.runId,
    seq: seq ?? 1,
    vendors: vendors.map(({ delayed, ...v }) => ({
      ...v,
      traceId: seq === undefined ? null : (delayed.get(seq) ?? null),
    })),
    dir,
  };
}
