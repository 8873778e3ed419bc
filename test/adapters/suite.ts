/**
 * The conformance suite every adapter runs (like unstorage's shared driver tests): the real SDK in the real
 * services, reporting to the sandbox over loopback, asserted through the sandbox's JSON API.
 *
 * One stack run covers the conformance requests and the shutdown test: a burst of home-feed requests is sent,
 * SIGTERM lands at once, and every span of every request must still arrive, counted per service and per request
 * (a trace that kept its users-service spans but lost the activities ones is a loss). Two more runs point the
 * vendor at a dead endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ErrorOccurrence,
  LogRecord,
  SandboxVendor,
  SpanRecord,
  TraceSummary,
} from '../../shared/sandbox-api';
import { VENDORS } from '../../vendors';
import { eventually, SEEDED_UUID, type Stack, startStack } from './harness';

export interface ConformanceSpec {
  /** The `OBSERVABILITY` value. */
  observability: string;
  /** The vendor name the sandbox files this adapter's data under. */
  vendor: SandboxVendor;
  signals: { traces: boolean; errors: boolean; logs: boolean };
  /** How this vendor spells an attribute key (X-Ray annotations: `bakeoff.run_id` → `bakeoff_run_id`). */
  key?: (key: string) => string;
  /** Extra environment for the services (e.g. a Sentry trace lifecycle). */
  env?: Record<string, string>;
  label?: string;
}

// The sandbox API's rows (shared/sandbox-api.ts).
type Span = SpanRecord;
type ErrorEvent = ErrorOccurrence;
type LogLine = LogRecord;

/** Requests the suite sends, by seq. */
const CONFORMANCE = {
  home: 1,
  create: 2,
  userFeed: 3,
  failing: 4,
} as const;
/**
 * Home-feed requests sent in one burst right before SIGTERM: every span of every one must still arrive. A burst
 * this size leaves more traces buffered at SIGTERM than an SDK's default send queue holds (Sentry's is 64).
 */
const SHUTDOWN_N = 100;
/** The run's release (BAKEOFF_RELEASE), which each vendor must carry in its own version field. */
const RELEASE = 'conformance-1.2.3';
const SHUTDOWN_FIRST_SEQ = 100;
const SHUTDOWN_SEQS = Array.from({ length: SHUTDOWN_N }, (_, i) => SHUTDOWN_FIRST_SEQ + i);
/**
 * Spans that describe a connection, not a request: dd-trace's net and dns plugins record one when a socket is
 * opened, and keep-alive decides which request that is. Left out of the per-request count.
 */
const PER_CONNECTION_SPANS = new Set(['tcp.connect', 'dns.lookup']);
const SERVICES = ['activities', 'users'] as const;
type SpanCount = Record<(typeof SERVICES)[number], number>;

export function conformanceSuite(spec: ConformanceSpec): void {
  const key = spec.key ?? ((k: string) => k);
  const attr = (span: Span, name: string) => span.attributes[key(name)];

  describe(`${spec.label ?? spec.observability} conformance`, () => {
    let stack: Stack;
    const statuses: number[] = [];

    beforeAll(async () => {
      stack = await startStack({
        observability: spec.observability,
        env: { BAKEOFF_RELEASE: RELEASE, ...spec.env },
      });
      const sent = [
        stack.request('GET', '/api/activities/home', CONFORMANCE.home),
        stack.request('POST', '/api/activities', CONFORMANCE.create, {
          handle: 'ada',
          message: 'conformance',
        }),
        stack.request('GET', '/api/activities/@grace', CONFORMANCE.userFeed),
        stack.request('POST', `/api/activities/${SEEDED_UUID}/reply`, CONFORMANCE.failing, {
          handle: 'ada',
          message: 'this reply fails',
        }),
      ];
      for (const res of await Promise.all(sent)) statuses.push(res.status);
      const burst = SHUTDOWN_SEQS.map((seq) => stack.request('GET', '/api/activities/home', seq));
      for (const res of await Promise.all(burst)) statuses.push(res.status);
      // No pause: SIGTERM right after the last answer, so only a real flush delivers the tail.
      const exits = await stack.stop();
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
    }, 90_000);

    afterAll(async () => {
      await stack?.close();
    });

    it('served every request (the failing one with the injected 500)', () => {
      expect(statuses.slice(0, 4)).toEqual([200, 201, 200, 500]);
      expect(statuses.slice(4)).toEqual(Array(SHUTDOWN_N).fill(200));
    });

    const traces = () =>
      stack.api<TraceSummary[]>(`/api/traces?vendor=${spec.vendor}&run=${stack.runId}&limit=1000`);
    const traceFor = async (seq: number) => {
      const all = await eventually(async () => {
        const list = await traces();
        return list.some((t) => t.seq === seq) ? list : undefined;
      });
      const summary = all.find((t) => t.seq === seq)!;
      const { spans } = await stack.api<{ spans: Span[] }>(
        `/api/traces/${spec.vendor}/${encodeURIComponent(summary.traceId)}`,
      );
      return { summary, spans };
    };

    /** Spans per service for each request seq, over every trace that carries that seq. */
    const spanCountsBySeq = async (seqs: readonly number[]) => {
      const wanted = new Set(seqs);
      const counts = new Map<number, SpanCount>(seqs.map((seq) => [seq, { activities: 0, users: 0 }]));
      for (const summary of await traces()) {
        if (summary.seq === null || !wanted.has(summary.seq)) continue;
        const { spans } = await stack.api<{ spans: Span[] }>(
          `/api/traces/${spec.vendor}/${encodeURIComponent(summary.traceId)}`,
        );
        const count = counts.get(summary.seq)!;
        for (const span of spans) {
          if (PER_CONNECTION_SPANS.has(span.name)) continue;
          if (span.service === 'activities' || span.service === 'users') count[span.service]++;
        }
      }
      return counts;
    };

    if (spec.signals.traces) {
      it('traces the home feed: server span, handler, queries, and the users service in the same trace', async () => {
        const { summary, spans } = await traceFor(CONFORMANCE.home);
        expect(summary.services).toEqual(expect.arrayContaining(['activities', 'users']));
        const handler = spans.find((s) => s.name === 'activities.home');
        expect(handler, 'handler span').toBeDefined();
        expect(attr(handler!, 'app.result_length')).toBeDefined();
        const query = spans.find(
          (s) => s.name === 'db.query' && String(attr(s, 'db.statement')).includes('SELECT'),
        );
        expect(query, 'a db.query span with its statement').toBeDefined();
        // Correlation sits on the request's root span, not on some inner span.
        const root = spans.find((s) => !s.parentId || !spans.some((p) => p.spanId === s.parentId));
        expect(root?.service).toBe('activities');
        expect(attr(root!, 'bakeoff.run_id')).toBe(stack.runId);
        expect(Number(attr(root!, 'bakeoff.seq'))).toBe(CONFORMANCE.home);
        const usersSpans = spans.filter((s) => s.service === 'users');
        expect(usersSpans.length).toBeGreaterThan(0);
        expect(usersSpans.some((s) => s.name === 'users.batch')).toBe(true);
        // The users service's spans hang off the activities trace, not a root of their own.
        const ids = new Set(spans.map((s) => s.spanId));
        const usersRoots = usersSpans.filter((s) => !s.parentId || !ids.has(s.parentId));
        expect(usersRoots).toEqual([]);
      });

      it('shows injected latency as a chaos.latency span with its delay and rule', async () => {
        const { spans } = await traceFor(CONFORMANCE.create);
        const chaos = spans.find((s) => s.name === 'chaos.latency');
        expect(chaos, 'chaos.latency span').toBeDefined();
        expect(Number(attr(chaos!, 'chaos.delay_ms'))).toBe(25);
        expect(attr(chaos!, 'chaos.rule')).toBe('create-latency');
        expect(spans.find((s) => s.name === 'activities.create')).toBeDefined();
      });

      it('records the user feed with its homework annotation', async () => {
        const { spans } = await traceFor(CONFORMANCE.userFeed);
        const handler = spans.find((s) => s.name === 'activities.user_feed');
        expect(handler && attr(handler, 'app.user_handle')).toBe('grace');
      });

      it('marks the failing request as an error with chaos.fault', async () => {
        const { summary, spans } = await traceFor(CONFORMANCE.failing);
        expect(summary.error).toBe(true);
        expect(spans.some((s) => attr(s, 'chaos.fault') === 'reply-fault')).toBe(true);
      });

      it(`delivers every span of the ${SHUTDOWN_N} requests sent right before SIGTERM, per service`, async () => {
        // Every home-feed request does the same work, so each must show the same spans per service: the full
        // count is the largest any of them shows (the first one, sent before the burst, included).
        const homeSeqs = [CONFORMANCE.home, ...SHUTDOWN_SEQS];
        const expectedFrom = (counts: Map<number, SpanCount>): SpanCount => {
          const most = (service: keyof SpanCount) =>
            Math.max(0, ...[...counts.values()].map((c) => c[service]));
          return { activities: most('activities'), users: most('users') };
        };
        const complete = (counts: Map<number, SpanCount>) => {
          const expected = expectedFrom(counts);
          return homeSeqs.every((seq) => sameCount(counts.get(seq), expected));
        };
        // The processes have exited, so everything was sent; the sandbox may still be filing what arrived.
        const counts = await eventually(async () => {
          const got = await spanCountsBySeq(homeSeqs);
          return complete(got) ? got : undefined;
        }, 10_000).catch(() => spanCountsBySeq(homeSeqs));
        const expected = expectedFrom(counts);
        expect(expected.activities, 'activities spans per home-feed request').toBeGreaterThan(0);
        expect(expected.users, 'users spans per home-feed request').toBeGreaterThan(0);
        const short = homeSeqs
          .filter((seq) => !sameCount(counts.get(seq), expected))
          .map((seq) => ({ seq, ...(counts.get(seq) ?? { activities: 0, users: 0 }) }));
        expect(short, `requests short of ${JSON.stringify(expected)} spans`).toEqual([]);
      });
    }

    const release = VENDORS[spec.vendor].release;
    if (release && spec.signals.traces) {
      it(`carries the run's release in ${release.setting}, filed as the trace's release`, async () => {
        const { summary, spans } = await traceFor(CONFORMANCE.home);
        const native = spans.filter((s) =>
          release.sandboxAttributes.some((k) => s.attributes[k] === RELEASE),
        );
        expect(
          native.length,
          `spans with ${release.sandboxAttributes.join(' or ')} = ${RELEASE}`,
        ).toBeGreaterThan(0);
        expect(native.every((s) => s.release === RELEASE)).toBe(true);
        expect(summary.release).toBe(RELEASE);
      });
    }
    if (release && spec.signals.errors) {
      it(`carries the run's release on the injected error, in ${release.setting}`, async () => {
        const errors = await eventually(async () => {
          const list = await stack.api<ErrorEvent[]>(`/api/errors?vendor=${spec.vendor}&run=${stack.runId}`);
          return list.some((e) => e.type === 'ConformanceFault') ? list : undefined;
        });
        const faults = errors.filter((e) => e.type === 'ConformanceFault');
        expect(faults.map((e) => e.release)).toContain(RELEASE);
      });
    }

    if (spec.signals.errors) {
      it('captures the injected error with its type, message, frames and correlation', async () => {
        const errors = await eventually(async () => {
          const list = await stack.api<ErrorEvent[]>(`/api/errors?vendor=${spec.vendor}&run=${stack.runId}`);
          return list.length > 0 ? list : undefined;
        });
        const fault = errors.find((e) => e.type === 'ConformanceFault');
        expect(fault, JSON.stringify(errors.map((e) => [e.type, e.message]))).toBeDefined();
        expect(fault!.message).toMatch(/conformance fault/);
        expect(fault!.frames.length).toBeGreaterThan(0);
        expect(fault!.seq).toBe(CONFORMANCE.failing);
      });
    }

    if (spec.signals.logs) {
      it('ships one log line per request, correlated by run and seq', async () => {
        const logs = await eventually(async () => {
          const list = await stack.api<LogLine[]>(`/api/logs?vendor=${spec.vendor}&run=${stack.runId}`);
          const seqs = new Set(list.map((l) => l.seq));
          return seqs.size >= 4 + SHUTDOWN_N ? list : undefined;
        }, 10_000);
        // The users service logs the same run and seq (the activities service passes them on).
        const home = logs.filter((l) => l.seq === CONFORMANCE.home).map((l) => l.message);
        expect(home).toContain('GET /api/activities/home 200');
        const failing = logs.filter((l) => l.seq === CONFORMANCE.failing);
        expect(failing.some((l) => /ConformanceFault/.test(l.message))).toBe(true);
        for (let i = 0; i < SHUTDOWN_N; i++) {
          expect(
            logs.some((l) => l.seq === SHUTDOWN_FIRST_SEQ + i),
            `log for seq ${SHUTDOWN_FIRST_SEQ + i}`,
          ).toBe(true);
        }
      });
    }
  });

  for (const endpoints of ['refused', 'hanging'] as const) {
    describe(`${spec.label ?? spec.observability} with the vendor endpoint ${endpoints}`, () => {
      let stack: Stack;
      beforeAll(async () => {
        stack = await startStack({ observability: spec.observability, env: spec.env, endpoints });
      }, 60_000);
      afterAll(async () => {
        await stack?.close();
      });

      it('keeps serving, never waits for the vendor, and shuts down cleanly', async () => {
        const results = [];
        for (let seq = 1; seq <= 10; seq++)
          results.push(await stack.request('GET', '/api/activities/home', seq));
        results.push(
          await stack.request('POST', `/api/activities/${SEEDED_UUID}/reply`, 11, {
            handle: 'ada',
            message: 'x',
          }),
        );
        expect(results.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(200));
        expect(results[10].status).toBe(500);
        // Vendor timeouts are 10 s and more; a request that took 3 s waited on one.
        expect(Math.max(...results.map((r) => r.ms))).toBeLessThan(3000);
        const exits = await stack.stop();
        expect(exits.map((e) => e.code)).toEqual([0, 0]);
      }, 60_000);
    });
  }
}

function sameCount(count: SpanCount | undefined, expected: SpanCount): boolean {
  return SERVICES.every((service) => (count?.[service] ?? 0) === expected[service]);
}
