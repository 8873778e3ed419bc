/**
 * Issue 13: does a service on the X-Ray SDK (`xray`) and one on OpenTelemetry with X-Ray ids and propagation
 * (`xray-otel`) continue each other's traces through `X-Amzn-Trace-Id`? Activities on one, users on the other,
 * both ways, reporting to one sandbox. What holds: the callee continues the caller's X-Ray trace id, and its
 * root's parent is the caller's outgoing-call span (subsegment). The sandbox files each half under its own
 * vendor, with the one trace id (in AWS both halves land in X-Ray, as one trace).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceProcess, sandboxEnv, startRole } from '../../harness/services';
import { type Sandbox, startSandbox } from '../../sandbox/server';
import { CONFORMANCE_SCENARIO, eventually } from './harness';

interface Span {
  spanId: string;
  parentId: string | null;
  name: string;
  service: string;
  kind: string;
}
interface TraceSummary {
  traceId: string;
  seq: number | null;
}

const SEQS = [1, 2, 3];

describe.each([
  { activities: 'xray', users: 'xray-otel' },
  { activities: 'xray-otel', users: 'xray' },
] as const)('activities on $activities, users on $users', ({ activities, users }) => {
  const runId = `mixed-${activities}-${process.pid}`;
  let sandbox: Sandbox;
  const services: ServiceProcess[] = [];

  const api = async <T>(urlPath: string): Promise<T> =>
    (await (await fetch(`${sandbox.url}${urlPath}`)).json()) as T;
  const tracesOf = (vendor: string) =>
    api<TraceSummary[]>(`/api/traces?vendor=${vendor}&run=${runId}&limit=100`);
  const spansOf = async (vendor: string, traceId: string) =>
    (await api<{ spans: Span[] }>(`/api/traces/${vendor}/${encodeURIComponent(traceId)}`)).spans;

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
    const env = {
      ...sandboxEnv(sandbox),
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bakeoff-mixed-')),
      PORT: '0',
      USERS_PORT: '0',
      CHAOS: CONFORMANCE_SCENARIO,
      SHUTDOWN_TIMEOUT_MS: '5000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
    services.push(await startRole('users', { ...env, OBSERVABILITY: users }));
    services.push(
      await startRole('activities', { ...env, OBSERVABILITY: activities, USERS_URL: services[0].url }),
    );
    for (const seq of SEQS) {
      const res = await fetch(`${services[1].url}/api/activities/home`, {
        headers: { 'x-bakeoff-run': runId, 'x-bakeoff-seq': String(seq) },
      });
      expect(res.status).toBe(200);
    }
    // SIGTERM flushes both; activities first, as the stack does.
    for (const service of [...services].reverse()) {
      service.child.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
    }
  }, 90_000);

  afterAll(async () => {
    for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await sandbox?.close();
  });

  it.each(SEQS)(
    'request %i: the users service continues the activities trace, under the same X-Ray trace id',
    async (seq) => {
      const find = async (vendor: string) =>
        eventually(async () => (await tracesOf(vendor)).find((t) => t.seq === seq));
      const caller = await find(activities);
      const callee = await find(users);
      expect(caller.traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      // The id's time is the request's: X-Ray rejects ids more than 30 days old.
      const seconds = parseInt(caller.traceId.slice(2, 10), 16);
      expect(Math.abs(seconds - Date.now() / 1000)).toBeLessThan(600);
      expect(callee.traceId).toBe(caller.traceId);

      const callerSpans = await spansOf(activities, caller.traceId);
      const calleeSpans = await spansOf(users, callee.traceId);
      expect(callerSpans.every((s) => s.service === 'activities')).toBe(true);
      expect(calleeSpans.every((s) => s.service === 'users')).toBe(true);
      // The callee's entry span hangs off one of the caller's outgoing-call spans: the `GET` to the users service.
      const ids = new Set(calleeSpans.map((s) => s.spanId));
      const entries = calleeSpans.filter((s) => !s.parentId || !ids.has(s.parentId));
      expect(entries).toHaveLength(1);
      const parent = callerSpans.find((s) => s.spanId === entries[0].parentId);
      expect(parent, `the caller's span ${entries[0].parentId}`).toBeDefined();
      expect(parent!.kind).toBe('client');
    },
  );
});
