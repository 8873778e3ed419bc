import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { delayFor } from '../../app/chaos/distributions';
import { ChaosEngine } from '../../app/chaos/engine';
import { listScenarios, loadScenario, parseScenario } from '../../app/chaos/scenario';

const CREATE = 'POST /api/activities';

function delays(seed: number, seqs = 500): number[] {
  const engine = new ChaosEngine(loadScenario('bootcamp'), seed);
  return Array.from({ length: seqs }, (_, i) => engine.decide(CREATE, i + 1)[0].delayMs!);
}

describe('chaos engine', () => {
  it('gives create activity the same per-seq delays on every run with the same seed', () => {
    expect(delays(7)).toEqual(delays(7));
    expect(delays(7)).not.toEqual(delays(8));
  });

  it('keeps the bootcamp delay within 50–500 ms and spreads it across the range', () => {
    const all = delays(7, 2000);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(50);
    expect(Math.max(...all)).toBeLessThanOrEqual(500);
    const mean = all.reduce((a, b) => a + b, 0) / all.length;
    expect(mean).toBeGreaterThan(250);
    expect(mean).toBeLessThan(300);
    expect(all.filter((d) => d < 100).length).toBeGreaterThan(100);
    expect(all.filter((d) => d > 450).length).toBeGreaterThan(100);
  });

  it('decides faults as a pure function of (seed, rule, seq), at the configured rate', () => {
    const engine = new ChaosEngine(loadScenario('incident'), 3);
    const faults = (e: ChaosEngine) =>
      Array.from({ length: 2000 }, (_, i) => e.decide(CREATE, i + 1)[0].fault !== null);
    const first = faults(engine);
    expect(faults(new ChaosEngine(loadScenario('incident'), 3))).toEqual(first);
    const rate = first.filter(Boolean).length / first.length;
    expect(rate).toBeGreaterThan(0.07);
    expect(rate).toBeLessThan(0.13);
  });

  it('leaves routes without rules alone', () => {
    const engine = new ChaosEngine(loadScenario('bootcamp'), 1);
    expect(engine.decide('GET /api/activities/home', 1)).toEqual([]);
  });

  it('falls back to arrival order per route when the client sends no seq', () => {
    const engine = new ChaosEngine(loadScenario('bootcamp'), 1);
    expect([
      engine.seqFor(CREATE, undefined),
      engine.seqFor(CREATE, undefined),
      engine.seqFor(CREATE, 42),
    ]).toEqual([1, 2, 42]);
  });
});

describe('latency distributions', () => {
  const draw = (spec: Parameters<typeof delayFor>[0], n = 5000) =>
    Array.from({ length: n }, (_, i) => delayFor(spec, 1, 'rule', i)).sort((a, b) => a - b);

  it('fixed is fixed', () => {
    expect(new Set(draw({ dist: 'fixed', ms: 25 }, 50))).toEqual(new Set([25]));
  });

  it('normal centres on its mean and never goes negative', () => {
    const all = draw({ dist: 'normal', mean: 30, stddev: 20 });
    expect(all[0]).toBeGreaterThanOrEqual(0);
    expect(all[2500]).toBeGreaterThan(27);
    expect(all[2500]).toBeLessThan(33);
  });

  it('longtail has the configured median and a p99 spike', () => {
    const all = draw({ dist: 'longtail', median: 40, p99: 900 });
    expect(all[2500]).toBeGreaterThan(34);
    expect(all[2500]).toBeLessThan(46);
    expect(all[4950]).toBeGreaterThan(700);
    expect(all[4950]).toBeLessThan(1150);
    expect(all[4999]).toBeLessThanOrEqual(1800);
  });
});

describe('scenarios', () => {
  it('ships off, bootcamp and incident, all valid', () => {
    expect(listScenarios()).toEqual(expect.arrayContaining(['off', 'bootcamp', 'incident']));
    for (const name of listScenarios()) expect(loadScenario(name).name).toBe(name);
  });

  it('rejects an unknown scenario with the list of shipped ones', () => {
    expect(() => loadScenario('nope')).toThrow(/Unknown chaos scenario "nope".*bootcamp/);
  });

  it('reports a broken scenario file (CHAOS=path) by position, never quoting it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bakeoff-scenario-'));
    const secret = 'aws_secret_access_key=wJalrXUtnFEMI0K7MDENGbPxRfiCYEXAMPLEKEY';
    writeFileSync(path.join(dir, 'not-yaml.yaml'), `name: x\n${secret}\n  - [\n`);
    writeFileSync(path.join(dir, 'unknown.yaml'), `name: x\n${secret}: 1\n`);
    expect(() => loadScenario(path.join(dir, 'not-yaml.yaml'))).toThrow(
      /not valid YAML \(line \d+, column \d+\)/,
    );
    expect(() => loadScenario(path.join(dir, 'unknown.yaml'))).toThrow(/\(root\): unknown field/);
    for (const file of ['not-yaml.yaml', 'unknown.yaml']) {
      expect(() => loadScenario(path.join(dir, file))).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining('wJalrXUtnFEMI') }),
      );
    }
    expect(() => loadScenario('off', path.join(dir, 'missing'))).toThrow(/CHAOS_DIR .* is not a directory/);
  });

  it('rejects an invalid scenario with the path of the problem', () => {
    const bad = {
      name: 'x',
      rules: [{ name: 'r', route: 'GET /a', latency: { dist: 'uniform', min: 9, max: 1 } }],
    };
    expect(() => parseScenario(bad, 'test')).toThrow(/rules\.0\.latency: min must be ≤ max/);
    expect(() => parseScenario({ name: 'x', rules: [{ name: 'r', route: 'nope' }] }, 'test')).toThrow(
      /route/,
    );
  });
});
