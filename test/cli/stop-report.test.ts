/**
 * What a stop report says: which adapters finished their shutdown within the deadline (driven through the real
 * telemetry facade, which bounds and guards every shutdown), and the one closing line built from the reports.
 */
import { describe, expect, it } from 'vitest';
import type { Adapter } from '../../adapters/types';
import { Telemetry } from '../../app/telemetry/facade';
import { type StopReport, stopSummary, trackFlushes } from '../../cli/stop-report';

/** An adapter with nothing but a shutdown (the facade needs no other hook). */
function adapter(name: string, shutdown: () => Promise<void>): Adapter {
  const flush = async () => undefined;
  return {
    name,
    signals: [],
    sdk: null,
    destination: { kind: 'sandbox', endpoint: '-' },
    start() {},
    flush,
    shutdown,
  } as Adapter;
}

const report = (role: string, port: number, flushed: string[], notFlushed: string[] = []): StopReport => ({
  kind: 'bakeoff-stopped',
  role,
  port,
  flushed,
  notFlushed,
});

describe('trackFlushes', () => {
  it('counts a shutdown that finished, not one that failed or outlived the deadline', async () => {
    const adapters = [
      adapter('rollbar', async () => undefined),
      adapter('sentry', async () => Promise.reject(new Error('vendor said no'))),
      adapter('honeycomb', () => new Promise<void>(() => {})),
    ];
    const flushed = trackFlushes(adapters);
    await new Telemetry(adapters, () => {}).shutdown(200);
    expect([...flushed]).toEqual(['rollbar']);
  });
});

describe('stopSummary', () => {
  it('one line: what ran besides the services, each role with its ports, every vendor flushed once', () => {
    const line = stopSummary(
      [
        report('users', 4578, ['datadog']),
        report('activities', 4567, ['honeycomb', 'xray']),
        report('users', 4568, ['honeycomb', 'xray']),
        report('activities', 4577, ['datadog']),
      ],
      { before: ['demo traffic'], after: ['sandbox'] },
    );
    expect(line).toBe(
      'bakeoff: stopped demo traffic, activities (:4567, :4577), users (:4568, :4578), sandbox; ' +
        'flushed honeycomb, xray, datadog',
    );
  });

  it('names a vendor that did not flush, where, and a service that exited without a report', () => {
    const line = stopSummary(
      [report('activities', 4567, ['xray'], ['honeycomb']), report('users', 4568, ['none'])],
      { before: [], after: [] },
      ['users :4578'],
    );
    expect(line).toBe(
      'bakeoff: stopped activities (:4567), users (:4568); flushed xray; ' +
        'NOT flushed in time: honeycomb (activities :4567); exited without a report: users :4578',
    );
  });

  it('says so when no vendor was configured', () => {
    expect(stopSummary([report('users', 4568, ['none'])], { before: [], after: [] })).toBe(
      'bakeoff: stopped users (:4568); no vendor to flush',
    );
  });
});
