/**
 * One tiny bench round through the CLI entry (`runBenchCommand`): bare, none and one tracing vendor, 1 s per
 * phase. Asserts the bench.json shape and the byte accounting, never a timing; and the chart PNG, which needs
 * Debian's chromium (that suite is skipped and named at the end of the run without it).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchCommand } from '../../cli/bench';
import { VENDOR_ARMS } from '../../harness/bench/arms';
import type { BenchReport } from '../../harness/bench/types';
import { requirePackages } from '../helpers/system-packages';

/** Vendors that send traces on every request (Rollbar only reports errors, and chaos is off in the bench). */
const TRACING_VENDORS = ['xray', 'honeycomb', 'sentry', 'datadog', 'cloudwatch'];

let benchRun: Promise<{ out: string; argv: string[]; vendor: string | undefined }> | undefined;

/** The one bench run both suites read. */
function runBench() {
  benchRun ??= (async () => {
    const vendor = TRACING_VENDORS.find((name) => VENDOR_ARMS.includes(name));
    const out = mkdtempSync(path.join(tmpdir(), 'bakeoff-bench-test-'));
    const argv = ['--arms', `bare,none,${vendor}`, '--rounds', '1', '--duration', '1', '--warmup', '1'];
    const pairs = ['--pairs', '2', '--pair-duration', '1'];
    await runBenchCommand([...argv, '--light-duration', '1', '--connections', '4', ...pairs, '--out', out]);
    return { out, argv, vendor };
  })();
  return benchRun;
}

describe('bakeoff bench', () => {
  it('writes bench.json with valid bare, none and vendor arms, and counts vendor bytes', async () => {
    const { out, argv, vendor } = await runBench();
    expect(vendor, 'at least one tracing vendor adapter is registered').toBeDefined();

    const report = JSON.parse(readFileSync(path.join(out, 'bench.json'), 'utf8')) as BenchReport;
    expect(report.command).toBe(
      `bakeoff bench ${argv.join(' ')} --light-duration 1 --connections 4 --pairs 2 --pair-duration 1 --out ${out}`,
    );
    expect(report.machine).toEqual(
      expect.objectContaining({ cpus: expect.any(Number), model: expect.any(String), node: process.version }),
    );
    expect(report.arms.map((a) => a.name)).toEqual(['bare', 'none', vendor]);
    for (const arm of report.arms) {
      expect(arm.invalidReasons, arm.name).toEqual([]);
      expect(arm.valid).toBe(true);
      for (const key of ['rpsMedian', 'rpsMin', 'rpsMax', 'p50Ms', 'p97_5Ms', 'p99Ms', 'rssMb'] as const) {
        expect(arm[key], `${arm.name}.${key}`).toBeGreaterThan(0);
      }
      expect(arm.cpuMsPerRequest).toBeGreaterThan(0);
      expect(arm.lightCpuMsPerRequest, `${arm.name}.lightCpuMsPerRequest`).not.toBeNull();
      expect(arm.ratioToNone).toBeGreaterThan(0);
      expect(arm.ratioToBare).toBeGreaterThan(0);
    }
    const byName = Object.fromEntries(report.arms.map((a) => [a.name, a]));
    expect(byName.none.ratioToNone).toBe(1);
    expect(byName.bare.ratioToBare).toBe(1);
    expect(byName.none.bytesPerRequest).toBe(0);
    expect(byName.bare.bytesPerRequest).toBe(0);
    expect(byName[vendor as string].bytesPerRequest).toBeGreaterThan(0);
    // Two 1 s pairs are too few to call quiet: the verdict says why, and gives the paired figure.
    expect(report.noise.meaningful).not.toBe(true);
    expect(report.noise.message).toMatch(/^(noise not judged: 2 pair\(s\)|machine too noisy: )/);
    expect(report.lightPairs.map((p) => p.first)).toEqual(['bare', 'none']);
    for (const pair of report.lightPairs) {
      expect(pair.bare.rps).toBeGreaterThan(0);
      expect(pair.none.rps).toBeGreaterThan(0);
      expect(pair.none.cpuMsPerRequest).toBeGreaterThan(0);
    }
    expect(report.noise.lightRatio?.pairs).toBe(2);
  }, 180_000);
});

requirePackages(['chromium'])('bakeoff bench chart', () => {
  it('renders bench.png', async () => {
    const { out } = await runBench();
    const png = readFileSync(path.join(out, 'bench.png'));
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  }, 180_000);
});
