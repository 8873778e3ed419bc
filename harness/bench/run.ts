/**
 * The overhead bench: for each round, every arm in turn (the order rotates each round, so no arm always runs
 * first or last), each on a fresh pair of service processes: warm-up (discarded), the measured mixed-route
 * phase, then a light-route-only phase. Load comes from autocannon in its own process, vendor data goes to a
 * drop-and-ack sandbox in its own process, and the services run pinned to their own core where possible.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DropAckCounts } from '../../shared/sandbox-api';
import { type SkippedArm, selectArms } from './arms';
import type { DropAckInfo } from './drop-ack-child';
import { IpcChild } from './ipc-child';
import type { LoadOptions, LoadRequest, LoadSummary } from './load-child';
import { noiseVerdict } from './noise';
import { type BurstSample, firstArmOfPair, type PairSample } from './paired';
import { distFile } from './paths';
import { type PinningPlan, planPinning } from './pinning';
import { cpuMs, peakRssMb, sumOf } from './proc-stats';
import { benchRunHeaders, HOME_ROUTE, LIGHT_ROUTE } from './routes';
import { type ServerPair, startServerPair } from './servers';
import { summarizeArm, withRatios } from './summary';
import type { BenchReport, BenchSettings, RoundSample } from './types';

const MIX: LoadRequest[] = [LIGHT_ROUTE, HOME_ROUTE];

export const DEFAULT_SETTINGS: BenchSettings = {
  rounds: 3,
  durationS: 10,
  warmupS: 3,
  lightDurationS: 5,
  connections: 10,
  lightPairs: 10,
  lightPairDurationS: 2,
};

export const QUICK_SETTINGS: BenchSettings = {
  rounds: 1,
  durationS: 3,
  warmupS: 1,
  lightDurationS: 2,
  connections: 10,
  lightPairs: 3,
  lightPairDurationS: 1,
};

export interface BenchOptions extends BenchSettings {
  /** Arms to run (default: bare, none and every vendor in the registry). */
  arms?: string[];
  /** The command line recorded in the report. */
  command: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** Override the core plan (tests). */
  pinning?: PinningPlan;
}

export function machineInfo(loadAtStart: number): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    loadAverage: { start: loadAtStart, end: os.loadavg()[0] },
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
  };
}

const totals = (counts: DropAckCounts) => {
  let bytes = 0;
  let payloads = 0;
  for (const c of Object.values(counts)) {
    bytes += c.bytes;
    payloads += c.payloads;
  }
  return { bytes, payloads };
};

function loadProblems(phase: string, s: LoadSummary): string[] {
  const problems: string[] = [];
  if (s.errors > 0) problems.push(`${phase}: ${s.errors} connection errors (${s.timeouts} timeouts)`);
  if (s.non2xx > 0) problems.push(`${phase}: ${s.non2xx} non-2xx answers`);
  if (s.requests === 0) problems.push(`${phase}: no request completed`);
  return problems;
}

interface Helpers {
  load: IpcChild;
  sandbox: IpcChild;
  sandboxInfo: DropAckInfo;
  pinning: PinningPlan;
  settings: BenchSettings;
}

/** CPU ms between two readings ÷ requests served in between; null if a reading is missing. */
function perRequest(before: number | null, after: number | null, requests: number): number | null {
  return before !== null && after !== null && requests > 0 ? (after - before) / requests : null;
}

/** Runs `requests` against `pair` for `durationS` from the load generator's process. */
function loadOn(h: Helpers, pair: ServerPair, arm: string, round: number) {
  return (requests: LoadRequest[], durationS: number) =>
    h.load.request<LoadSummary>('run', {
      options: {
        url: pair.activitiesUrl,
        connections: h.settings.connections,
        durationS,
        requests,
        headers: benchRunHeaders(arm, round),
      } satisfies LoadOptions,
    });
}

/** One arm, one round, on a fresh server pair. */
async function measureArm(arm: string, round: number, h: Helpers): Promise<RoundSample> {
  await h.sandbox.request('reset');
  const pair = await startServerPair(arm, h.sandboxInfo, h.pinning.server);
  const load = loadOn(h, pair, arm, round);
  let stopped = false;
  try {
    const warm = await load(MIX, h.settings.warmupS);
    const cpuBefore = sumOf(pair.pids, cpuMs);
    const mix = await load(MIX, h.settings.durationS);
    const cpuAfter = sumOf(pair.pids, cpuMs);
    const light = await load([LIGHT_ROUTE], h.settings.lightDurationS);
    const cpuAfterLight = sumOf(pair.pids, cpuMs);
    const rssMb = sumOf(pair.pids, peakRssMb);
    // Stopping drains and flushes every adapter, so the byte counts include what was still buffered.
    const stop = await pair.stop();
    stopped = true;
    await sleep(200); // the last UDP datagrams and acked bodies land in the sandbox's counters
    const counts = await h.sandbox.request<DropAckCounts>('counts');
    const { bytes, payloads } = totals(counts);
    const problems = [...loadProblems('mixed', mix), ...loadProblems('light', light)];
    if (warm.errors > 0 || warm.non2xx > 0)
      problems.push(`warm-up: ${warm.errors} errors, ${warm.non2xx} non-2xx`);
    if (!stop.clean) problems.push(`shutdown: ${stop.detail}`);
    if (counts.unmatched)
      problems.push(`${counts.unmatched.payloads} payloads to routes the drop-ack sandbox lacks`);
    return {
      round,
      rps: mix.rps,
      requests: mix.requests,
      p50Ms: mix.p50Ms,
      p97_5Ms: mix.p97_5Ms,
      p99Ms: mix.p99Ms,
      lightRps: light.rps,
      lightCpuMsPerRequest: perRequest(cpuAfter, cpuAfterLight, light.requests),
      cpuMsPerRequest: perRequest(cpuBefore, cpuAfter, mix.requests),
      rssMb,
      servedRequests: warm.requests + mix.requests + light.requests,
      vendorBytes: bytes,
      vendorPayloads: payloads,
      byVendor: counts,
      problems,
    };
  } finally {
    if (!stopped) await pair.stop(5000);
  }
}

/**
 * The paired light-route stage: bare's and none's server pairs run side by side (the idle one sleeps), warm
 * up, then take turns in short light-route bursts, back to back, the first arm alternating from pair to pair.
 * Any failed burst is a problem of the stage, reported, never a figure.
 */
async function measureLightPairs(
  h: Helpers,
  log: (line: string) => void,
): Promise<{ pairs: PairSample[]; problems: string[] }> {
  const servers: Partial<Record<'bare' | 'none', ServerPair>> = {};
  const pairs: PairSample[] = [];
  const problems: string[] = [];
  try {
    for (const arm of ['bare', 'none'] as const) {
      servers[arm] = await startServerPair(arm, h.sandboxInfo, h.pinning.server);
    }
    const burst = async (arm: 'bare' | 'none', pair: number, durationS: number): Promise<BurstSample> => {
      const server = servers[arm] as ServerPair;
      const before = sumOf(server.pids, cpuMs);
      const result = await loadOn(h, server, arm, pair)([LIGHT_ROUTE], durationS);
      const after = sumOf(server.pids, cpuMs);
      problems.push(...loadProblems(`${arm} light burst ${pair}`, result));
      return { rps: result.rps, cpuMsPerRequest: perRequest(before, after, result.requests) };
    };
    for (const arm of ['bare', 'none'] as const) await burst(arm, 0, h.settings.warmupS);
    for (let n = 1; n <= h.settings.lightPairs; n++) {
      const first = firstArmOfPair(n);
      const second = first === 'bare' ? 'none' : 'bare';
      const earlier = await burst(first, n, h.settings.lightPairDurationS);
      const later = await burst(second, n, h.settings.lightPairDurationS);
      const [bare, none] = first === 'bare' ? [earlier, later] : [later, earlier];
      const sample: PairSample = { pair: n, first, bare, none };
      pairs.push(sample);
      log(
        `bench: light pair ${n}/${h.settings.lightPairs}: bare ${sample.bare.rps.toFixed(0)}, ` +
          `none ${sample.none.rps.toFixed(0)} req/s (none ÷ bare ${(sample.none.rps / sample.bare.rps).toFixed(3)})`,
      );
    }
  } catch (error) {
    problems.push(`light pairs: ${(error as Error).message.split('\n')[0]}`);
  } finally {
    const stops = await Promise.all(Object.values(servers).map((server) => server.stop(5000)));
    for (const stop of stops) if (!stop.clean) problems.push(`light pairs: shutdown: ${stop.detail}`);
  }
  return { pairs, problems };
}

/** Runs every arm for `rounds` rounds and returns the report (nothing is written here). */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const settings: BenchSettings = {
    rounds: options.rounds,
    durationS: options.durationS,
    warmupS: options.warmupS,
    lightDurationS: options.lightDurationS,
    connections: options.connections,
    lightPairs: options.lightPairs,
    lightPairDurationS: options.lightPairDurationS,
  };
  const { arms, skipped } = selectArms(options.arms);
  for (const skip of skipped) log(`bench: skipping ${skip.name}: ${skip.reason}`);
  if (arms.length === 0) throw new Error('no arm to run');
  const pinning = options.pinning ?? planPinning();
  log(`bench: ${arms.join(', ')} × ${settings.rounds} round(s); ${pinning.description}`);

  const startedAt = new Date().toISOString();
  const loadAtStart = os.loadavg()[0];
  if (loadAtStart > os.availableParallelism() / 2) {
    log(
      `bench: warning: load average ${loadAtStart.toFixed(1)} — other work on this machine will skew the figures`,
    );
  }
  const { child: sandbox, info: sandboxInfo } = await IpcChild.start<DropAckInfo>(
    'drop-ack sandbox',
    distFile('harness/bench/drop-ack-child.js'),
    pinning.sandbox,
  );
  let load: IpcChild | undefined;
  const samples = new Map<string, RoundSample[]>(arms.map((a) => [a, []]));
  const failures = new Map<string, string[]>(arms.map((a) => [a, []]));
  const baselinesRan = arms.includes('bare') && arms.includes('none');
  let lightPairs: PairSample[] = [];
  try {
    load = (await IpcChild.start('load generator', distFile('harness/bench/load-child.js'), pinning.load))
      .child;
    const helpers: Helpers = { load, sandbox, sandboxInfo, pinning, settings };
    for (let round = 1; round <= settings.rounds; round++) {
      // Rotate the order each round so drift (thermal, noisy neighbours) spreads over every arm.
      const order = arms.map((_, i) => arms[(i + round - 1) % arms.length]);
      for (const arm of order) {
        try {
          const sample = await measureArm(arm, round, helpers);
          samples.get(arm)?.push(sample);
          log(
            `bench: round ${round}/${settings.rounds} ${arm}: ${sample.rps.toFixed(0)} req/s mixed, ` +
              `${sample.lightRps.toFixed(0)} light, ${(sample.vendorBytes / sample.servedRequests).toFixed(0)} B/req` +
              (sample.problems.length ? ` — ${sample.problems.join('; ')}` : ''),
          );
        } catch (error) {
          const reason = `round ${round}: ${(error as Error).message.split('\n')[0]}`;
          failures.get(arm)?.push(reason);
          log(`bench: ${arm} failed: ${(error as Error).message}`);
        }
      }
    }
    if (baselinesRan && settings.lightPairs > 0) {
      const paired = await measureLightPairs(helpers, log);
      lightPairs = paired.pairs;
      // A burst that failed invalidates both baselines: their figure rests on every burst.
      for (const problem of paired.problems) {
        for (const arm of ['bare', 'none']) failures.get(arm)?.push(problem);
        log(`bench: ${problem}`);
      }
    }
  } finally {
    await Promise.all([load?.stop(), sandbox.stop()]);
  }

  const results = withRatios(
    arms.map((arm) => summarizeArm(arm, samples.get(arm) ?? [], failures.get(arm) ?? [])),
  );
  const noise = noiseVerdict({
    pairs: lightPairs,
    baselinesRan,
    loadAverageAtStart: loadAtStart,
    cpus: os.availableParallelism(),
  });
  log(`bench: ${noise.message}`);
  return {
    machine: machineInfo(loadAtStart),
    noise,
    lightPairs,
    command: options.command,
    startedAt,
    settings: { ...settings, pinning, routes: { light: LIGHT_ROUTE.path, mix: MIX.map((r) => r.path) } },
    skipped: skipped satisfies SkippedArm[],
    arms: results,
  };
}
