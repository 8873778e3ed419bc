import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../harness/load/runner';
import { type ServicePair, startPair } from '../helpers/services';

// The plan's requests must be valid against the real API: known handles, valid bodies and TTLs, and reply
// parents that exist (the run's own creates and the fixed-uuid seed activities).
describe('runLoad against the real activities service', () => {
  let pair: ServicePair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(async () => {
    await pair?.close();
  });

  it.each(['mixed', 'write-heavy', 'read-heavy'])('%s: every request succeeds', async (scenario) => {
    const summary = await runLoad({ target: pair.url, requests: 80, concurrency: 4, seed: 11, scenario });
    expect(summary.requests).toBe(80);
    expect(summary.statuses).toEqual(expect.objectContaining({ '200': expect.any(Number) }));
    expect(Object.keys(summary.statuses).every((s) => s === '200' || s === '201')).toBe(true);
    expect(summary.errors).toBe(0);
  });

  it('replies land on the run’s own creates', async () => {
    const summary = await runLoad({
      target: pair.url,
      requests: 40,
      concurrency: 2,
      seed: 2,
      scenario: 'write-heavy',
      runId: 'replies-1',
    });
    expect(summary.statuses['201']).toBeGreaterThan(20);
    const home = (await (await fetch(`${pair.url}/api/activities/home`)).json()) as {
      activities: { message: string; replies_count: number }[];
    };
    const ownWithReplies = home.activities.filter(
      (a) => a.message.startsWith('Load note') && a.replies_count > 0,
    );
    expect(ownWithReplies.length).toBeGreaterThan(0);
  });
});
