/**
 * Grouped errors (sandbox/views/error-groups.ts): occurrences (error-occurrences.ts) grouped by vendor + type +
 * message fingerprint for all six vendors, with first/last seen and routes; a group's detail with the stack
 * (innermost first), the cause chain, native fields and the request's trace in every vendor that has it.
 */
import { describe, expect, it } from 'vitest';
import { SandboxStore } from '../../sandbox/store';
import { errorGroupDetail, errorGroups, fingerprintOf } from '../../sandbox/views/error-groups';
import { addCall } from './map-records';
import { batch, error, meta } from './records';

const BASE = 1_800_000_000_000;

/** Three failed requests (seq 3, 6, 9) of nine; each message names its seq, so only the fingerprint groups them. */
function store(): SandboxStore {
  const s = new SandboxStore();
  for (let seq = 1; seq <= 9; seq++)
    addCall(s, { run: 'r1', seq, base: BASE + seq * 1000, durationMs: 20, fail: seq % 3 === 0 });
  return s;
}

describe('error groups', () => {
  it('fingerprints away numbers, ids and quoted values', () => {
    expect(fingerprintOf('reply 42 could not be written')).toBe('reply <n> could not be written');
    expect(fingerprintOf('no user "ada" (id 3f2a9c81-0b1d-4c2e-9f00-1234567890ab)')).toBe(
      'no user "…" (id <uuid>)',
    );
    expect(fingerprintOf('span 9f86d081884c7d65 failed')).toBe('span <hex> failed');
  });

  it('one group per vendor, counting occurrences as each vendor’s console does', () => {
    const groups = errorGroups(store(), { run: 'r1' });
    expect(groups.map((g) => g.vendor).sort()).toEqual([
      'cloudwatch',
      'datadog',
      'honeycomb',
      'rollbar',
      'sentry',
      'xray',
    ]);
    for (const g of groups) {
      expect(g).toMatchObject({
        type: 'ReplyWriteError',
        fingerprint: 'reply <n> could not be written',
        occurrences: 3,
      });
      expect(g.message).toBe('reply 9 could not be written'); // the newest
      expect(g.firstSeen).toBeLessThan(g.lastSeen);
      expect(g.id).toMatch(new RegExp(`^${g.vendor}-[0-9a-f]{8}$`));
    }
    const routes = Object.fromEntries(groups.map((g) => [g.vendor, g.routes]));
    expect(routes.honeycomb).toEqual([{ route: 'GET /api/activities/home', count: 3 }]);
    expect(routes.rollbar).toEqual([{ route: 'GET /api/activities/home', count: 3 }]);
    // CloudWatch's exception line carries no route.
    expect(routes.cloudwatch).toEqual([]);
  });

  it('keeps different types and fingerprints apart', () => {
    const s = store();
    s.accept(
      'sentry',
      meta(),
      batch({
        errors: [
          error('sentry', { type: 'ReplyWriteError', message: 'disk full', timestamp: BASE }),
          error('sentry', { type: 'TypeError', message: 'reply 1 could not be written', timestamp: BASE }),
        ],
      }),
    );
    const groups = errorGroups(s, { vendor: 'sentry' }).map((g) => [g.type, g.fingerprint, g.occurrences]);
    expect(groups.sort()).toEqual([
      ['ReplyWriteError', 'disk full', 1],
      ['ReplyWriteError', 'reply <n> could not be written', 3],
      ['TypeError', 'reply <n> could not be written', 1],
    ]);
  });

  it('detail: stack innermost first, cause chain, native fields, and the trace in every tracing vendor', () => {
    const s = store();
    const rollbar = errorGroups(s, { vendor: 'rollbar' })[0];
    const d = errorGroupDetail(s, rollbar.id, 'r1')!;
    expect(d.latest.causes).toEqual(['SqliteError: disk I/O error']);
    expect(d.latest.native.request).toEqual({ method: 'GET', url: 'http://activities/api/activities/home' });
    expect(d.latest.native.person).toEqual({ id: 'ada' });
    expect(d.occurrences.map((o) => o.seq)).toEqual([9, 6, 3]);
    // Rollbar keeps no trace id: the request's traces come from the tracers, by run and seq.
    expect(d.traces.map((t) => [t.vendor, t.via])).toEqual([
      ['honeycomb', 'request'],
      ['xray', 'request'],
      ['sentry', 'request'],
      ['datadog', 'request'],
    ]);
    const honeycomb = errorGroups(s, { vendor: 'honeycomb' })[0];
    const hd = errorGroupDetail(s, honeycomb.id)!;
    expect(hd.latest.frames.map((f) => f.function)).toEqual(['applyChaos', 'route']);
    expect(hd.traces[0]).toMatchObject({ vendor: 'honeycomb', via: 'occurrence' });
  });

  it('an unknown id, or one outside the run, has no detail', () => {
    const s = store();
    const id = errorGroups(s, { vendor: 'xray' })[0].id;
    expect(errorGroupDetail(s, id, 'another-run')).toBeNull();
    expect(errorGroupDetail(s, 'xray-00000000')).toBeNull();
    expect(errorGroupDetail(s, 'nobody-12345678')).toBeNull();
  });
});
