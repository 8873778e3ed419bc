/**
 * `bakeoff compare`: the same seeded workload under each vendor, one vendor at a time, each in its own pair of
 * service processes pointed at one sandbox; then everything each vendor delivered is read back and scored.
 *
 * Vendors run one after another (never sharing a process or the machine's cores), so each one's latency and
 * wire cost are its own. All vendors share one run id: the sandbox's side-by-side view lines them up by seq.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADAPTER_SIGNALS, sandboxVendorOf } from '../../adapters/signals';
import { ADAPTER_NAMES, type AdapterName } from '../../adapters/types';
import { defaultRelease } from '../../config/release';
import { startSandbox } from '../../sandbox/server';
import { planRequest } from '../load/plan';
import { defaultRunId, runLoad } from '../load/runner';
import { loadWorkload } from '../load/workload';
import { sandboxEnv, startServicePair } from '../services';
import type { AsyncFacts } from './async';
import { startWorkerByteMeter } from './async-bytes';
import { COMPARE_QUEUE_ENV, checkMentions, fetchOnce, readDeadLetters, readDeliveries } from './async-check';
import { collectVendor, waitForQuiet } from './collect';
import { startHeaderRecorder } from './header-recorder';
import { checkInterop, INTEROP_PAIRS, type InteropResult } from './interop';
import { BASELINE, type LatencyRanking, latencyNoise } from './latency-noise';
import { computeMetrics, type SentRequest, sendsNotification, type VendorMetrics } from './metrics';

/** The vendor run's notifications queue (and `<name>-dlq`), on the sandbox's SQS. */
const notificationsQueue = (vendor: AdapterName) => `bakeoff-compare-${vendor}-notifications`;

/**
 * Waits until the queue holds no message the worker could still handle (visible, in flight or delayed), or
 * `maxMs` passes. A message that keeps failing leaves it for the dead-letter queue: with compare's 1 s
 * visibility timeout and 2 receives (COMPARE_QUEUE_ENV), about 2 s after its first delivery.
 */
async function queueDrained(sandboxUrl: string, queue: string, maxMs = 15_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const res = await fetchOnce(`${sandboxUrl}/api/queues/${encodeURIComponent(queue)}?limit=1`);
    if (res.status === 404) return; // Nothing was ever sent (NOTIFICATIONS=off, or only reads).
    const counts = (await res.json()) as { visible: number; inFlight: number; delayed: number };
    if (counts.visible + counts.inFlight + counts.delayed === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every adapter, the `none` baseline first (the report compares latency against it). */
export const DEFAULT_VENDORS: readonly AdapterName[] = [
  BASELINE,
  ...ADAPTER_NAMES.filter((name) => name !== 'none'),
];

export interface CompareOptions {
  vendors: readonly AdapterName[];
  requests: number;
  seed: number;
  /** Workload mix (config/workloads). */
  workload: string;
  /** Chaos scenario (config/scenarios). */
  chaos: string;
  concurrency: number;
  runId?: string;
  /** The release every vendor is told (BAKEOFF_RELEASE). Default: the package version. */
  release?: string;
  /** Use a running sandbox instead of starting one (its X-Ray and Datadog ports are assumed to be 2000/8126). */
  sandboxUrl?: string;
  /** Keep the sandbox started here running afterwards (for screenshots); the caller closes it. */
  keepSandbox?: boolean;
  /**
   * Run the baseline a second time after every vendor, to measure how much this machine drifts between runs.
   * Default true (when `none` and another vendor are compared).
   */
  driftCheck?: boolean;
  onProgress?: (event: CompareProgress) => void;
}

export type CompareProgress =
  | { type: 'vendor-start'; vendor: AdapterName; index: number; total: number }
  | { type: 'load'; vendor: AdapterName; done: number; total: number; rps: number; errors: number }
  | { type: 'vendor-done'; vendor: AdapterName; metrics: VendorMetrics; wallMs: number }
  | { type: 'drift-check'; vendor: AdapterName };

export interface CompareResult {
  runId: string;
  seed: number;
  scenario: string;
  workload: string;
  requests: number;
  /** The one release every vendor's services reported (BAKEOFF_RELEASE). */
  release: string;
  startedAt: string;
  wallMs: number;
  sandboxUrl: string;
  vendors: Record<string, VendorMetrics>;
  /** Which latency differences the spread supports, and from how many requests the ranking holds. */
  latencyRanking: LatencyRanking | null;
  /** Mixed pairs (compare/interop.ts) among the compared vendors: does one continue the other's traces? */
  interop?: InteropResult[];
  /** Every request each vendor's run sent, as the load generator saw it (not part of report.json). */
  sent: Record<string, SentRequest[]>;
  /** Present when the sandbox was started here and `keepSandbox` asked to keep it. */
  closeSandbox?: () => Promise<void>;
}

export async function runCompare(options: CompareOptions): Promise<CompareResult> {
  const started = Date.now();
  const runId = options.runId ?? defaultRunId('compare');
  const release = options.release ?? defaultRelease();
  const sandbox = options.sandboxUrl
    ? undefined
    : await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  const sandboxUrl = sandbox?.url ?? options.sandboxUrl!.replace(/\/+$/, '');
  const sandboxHost = new URL(sandboxUrl).hostname;
  const vendorEnv = sandboxEnv({
    url: sandboxUrl,
    xrayAddress: sandbox?.xrayAddress ?? `${sandboxHost}:2000`,
    datadogUrl: sandbox?.datadogUrl ?? `http://${sandboxHost}:8126`,
  });
  let usersTarget = '';
  const recorder = await startHeaderRecorder(() => usersTarget);
  const workerMeter = await startWorkerByteMeter({
    url: sandboxUrl,
    xrayAddress: vendorEnv.AWS_XRAY_DAEMON_ADDRESS!,
    datadogUrl: vendorEnv.DD_TRACE_AGENT_URL!,
  });
  const workload = loadWorkload(options.workload);
  const vendors: Record<string, VendorMetrics> = {};
  const sentBy: Record<string, SentRequest[]> = {};
  /** Starts the vendor's service pair, sends the workload, stops the pair: what the client saw, and when. */
  const loadUnder = async (vendor: AdapterName) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), `bakeoff-compare-${vendor}-`));
    const env: Record<string, string | undefined> = {
      OBSERVABILITY: vendor,
      DATA_DIR: dataDir,
      PORT: '0',
      USERS_PORT: '0',
      NOTIFICATIONS_PORT: '0',
      // A queue per vendor: no vendor's worker sees another's messages.
      NOTIFICATIONS_QUEUE: notificationsQueue(vendor),
      // Failed messages come back within the run and reach the DLQ within it (the scenario's worker faults).
      ...COMPARE_QUEUE_ENV,
      CHAOS: options.chaos,
      CHAOS_SEED: String(options.seed),
      BAKEOFF_RELEASE: release,
      ...vendorEnv,
    };
    recorder.reset();
    workerMeter.reset();
    const queue = notificationsQueue(vendor);
    // The emulator counts deliveries for as long as the sandbox runs: this run's are the difference.
    const before = await readDeliveries(sandboxUrl, queue);
    const since = Date.now();
    const pair = await startServicePair(env, {
      usersUrlFor: (url) => {
        usersTarget = url;
        return recorder.url;
      },
      worker: true,
      workerEnv: workerMeter.env,
    });
    const sent: SentRequest[] = [];
    const activityOf = new Map<number, string>();
    let asyncFacts: AsyncFacts | undefined;
    try {
      await runLoad({
        target: pair.activities.url,
        requests: options.requests,
        seed: options.seed,
        scenario: options.workload,
        concurrency: options.concurrency,
        runId,
        onRequest: (r, { activityUuid }) => {
          if (activityUuid) activityOf.set(r.seq, activityUuid);
          sent.push({
            seq: r.seq,
            route: r.route,
            status: r.status,
            endMs: r.endMs,
            latencyMs: r.endMs - r.startMs,
            chaos: r.chaos ?? null,
          });
        },
        onProgress: (p) =>
          options.onProgress?.({
            type: 'load',
            vendor,
            done: p.done,
            total: options.requests,
            rps: p.rps,
            errors: p.errors,
          }),
      });
      // The creates' and replies' notifications are checked end to end: let the worker finish the queue first.
      await queueDrained(sandboxUrl, queue);
      const deadLetters = await readDeadLetters(sandboxUrl, `${queue}-dlq`, runId);
      const after = await readDeliveries(sandboxUrl, queue);
      let mentions: AsyncFacts['mentions'] = null;
      if (pair.notifications) {
        const lost = new Set(deadLetters.map((m) => m.activityId));
        const expected = sent.filter(sendsNotification).flatMap((r) => {
          const activityUuid = activityOf.get(r.seq);
          const planned = planRequest(workload, options.seed, r.seq);
          if (!activityUuid || lost.has(activityUuid) || !('mentions' in planned)) return [];
          return planned.mentions.map((handle) => ({ handle, activityUuid }));
        });
        mentions = await checkMentions(pair.notifications.url, expected);
      }
      asyncFacts = {
        deadLetters,
        redeliveries: after.redeliveries - before.redeliveries,
        mentions,
        workerBytes: 0,
      };
    } finally {
      const exits = await pair.stop();
      if (exits.some((e) => e.code !== 0)) {
        process.stderr.write(
          `[compare] ${vendor}: a service exited with ${JSON.stringify(exits)}\n${pair.output()}\n`,
        );
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
    // Read after the worker exited: its last flush is in.
    if (asyncFacts) asyncFacts.workerBytes = workerMeter.bytes();
    return { sent, since, asyncFacts };
  };
  let control: SentRequest[] | undefined;
  const interop: InteropResult[] = [];
  try {
    for (const [index, vendor] of options.vendors.entries()) {
      const vendorStarted = Date.now();
      options.onProgress?.({ type: 'vendor-start', vendor, index, total: options.vendors.length });
      const { sent, since, asyncFacts } = await loadUnder(vendor);
      sentBy[vendor] = sent;
      const sandboxVendor = sandboxVendorOf(vendor);
      const signals = ADAPTER_SIGNALS[vendor];
      let metrics: VendorMetrics;
      if (sandboxVendor) {
        await waitForQuiet(sandboxUrl, sandboxVendor);
        const haul = await collectVendor(sandboxUrl, sandboxVendor, runId, { since, until: Date.now() });
        metrics = computeMetrics({
          signals,
          haul,
          sent,
          propagationHeaders: recorder.seen(),
          usersCalled: recorder.seqs(),
          asyncFacts,
        });
      } else {
        const empty = { traces: [], errors: [], logs: [], payloads: [] };
        metrics = computeMetrics({
          signals,
          haul: empty,
          sent,
          propagationHeaders: recorder.seen(),
          usersCalled: recorder.seqs(),
        });
      }
      vendors[vendor] = metrics;
      options.onProgress?.({ type: 'vendor-done', vendor, metrics, wallMs: Date.now() - vendorStarted });
    }
    // The baseline once more, last: how far two runs of the very same app differ on this machine right now.
    if (options.driftCheck !== false && options.vendors.includes(BASELINE) && options.vendors.length > 1) {
      options.onProgress?.({ type: 'drift-check', vendor: BASELINE });
      control = (await loadUnder(BASELINE)).sent;
    }
    for (const [a, b] of INTEROP_PAIRS) {
      if (!options.vendors.includes(a) || !options.vendors.includes(b)) continue;
      for (const [caller, callee] of [
        [a, b],
        [b, a],
      ] as const) {
        const env = { ...vendorEnv, BAKEOFF_RELEASE: release };
        const interopRun = `${runId}-interop-${caller}-${callee}`;
        interop.push(await checkInterop({ caller, callee, env, sandboxUrl, runId: interopRun }));
      }
    }
  } finally {
    await recorder.close();
    await workerMeter.close();
    if (sandbox && !options.keepSandbox) await sandbox.close();
  }
  const noise = latencyNoise(sentBy, BASELINE, { seed: options.seed, control });
  for (const [vendor, metrics] of Object.entries(vendors)) metrics.latencyVsNone = noise.vsBaseline[vendor];
  return {
    runId,
    seed: options.seed,
    scenario: options.chaos,
    workload: options.workload,
    requests: options.requests,
    release,
    startedAt: new Date(started).toISOString(),
    wallMs: Date.now() - started,
    sandboxUrl,
    vendors,
    latencyRanking: noise.ranking,
    interop,
    sent: sentBy,
    closeSandbox: sandbox && options.keepSandbox ? () => sandbox.close() : undefined,
  };
}
