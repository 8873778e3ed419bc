import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { planRequest } from '../../harness/load/plan';
import { runLoad } from '../../harness/load/runner';
import { loadWorkload } from '../../harness/load/workload';
import { type StubTarget, startStubTarget, stubUuid } from './stub-target';

const stubs: StubTarget[] = [];
async function stub(options: Parameters<typeof startStubTarget>[0] = {}) {
  const s = await startStubTarget(options);
  stubs.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stubs.splice(0).map((s) => s.close()));
});

/** A port that nothing listens on: bind, note it, close. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('runLoad', () => {
  it('sends every request with the run id and a unique seq 1..N, and summarises', async () => {
    const target = await stub();
    const summary = await runLoad({
      target: target.url,
      requests: 120,
      concurrency: 6,
      seed: 3,
      runId: 'test-run-1',
    });
    expect(target.seen).toHaveLength(120);
    expect(new Set(target.seen.map((r) => r.run))).toEqual(new Set(['test-run-1']));
    expect(target.seen.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 120 }, (_, i) => i + 1),
    );
    expect(summary).toMatchObject({
      runId: 'test-run-1',
      seed: 3,
      scenario: 'mixed',
      requests: 120,
      errors: 0,
    });
    expect((summary.statuses['200'] ?? 0) + (summary.statuses['201'] ?? 0)).toBe(120);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.latencyMs.max).toBeGreaterThanOrEqual(summary.latencyMs.p99);
    expect(summary.records).toBeUndefined();
  });

  it('sends what the plan says, identically on a second run with the same seed', async () => {
    const workload = loadWorkload('mixed');
    const runOnce = async () => {
      const target = await stub();
      await runLoad({ target: target.url, requests: 80, concurrency: 4, seed: 9, scenario: workload });
      return [...target.seen]
        .sort((a, b) => a.seq - b.seq)
        .map(({ method, path, seq, body }) => ({ method, path, seq, body }));
    };
    const first = await runOnce();
    expect(await runOnce()).toEqual(first);
    for (const seen of first) {
      const planned = planRequest(workload, 9, seen.seq);
      if (planned.kind === 'reply') {
        // Answers the create at parentSeq (the stub's uuid for that seq), else the planned seed activity.
        const parent =
          planned.parentSeq === undefined ? planned.fallbackParentUuid : stubUuid(planned.parentSeq);
        expect(seen.path).toBe(`/api/activities/${parent}/reply`);
      }
      if (planned.kind === 'home') expect(seen.path).toBe('/api/activities/home');
    }
  });

  it('sends a reply to the fallback seed activity when its create failed', async () => {
    const workload = loadWorkload('write-heavy');
    const target = await stub({
      statusFor: (r) => (r.method === 'POST' && r.path === '/api/activities' ? 503 : undefined),
    });
    const summary = await runLoad({ target: target.url, requests: 60, concurrency: 3, scenario: workload });
    const replies = target.seen.filter((r) => r.path.endsWith('/reply'));
    expect(replies.length).toBeGreaterThan(5);
    for (const reply of replies) {
      const planned = planRequest(workload, 1, reply.seq);
      if (planned.kind !== 'reply') throw new Error(`seq ${reply.seq} is not a planned reply`);
      expect(reply.path).toBe(`/api/activities/${planned.fallbackParentUuid}/reply`);
    }
    expect(summary.statuses['503']).toBe(
      target.seen.length - replies.length - target.seen.filter((r) => r.method === 'GET').length,
    );
  });

  it('never has more than C requests in flight', async () => {
    const target = await stub({ delayMs: 15 });
    await runLoad({ target: target.url, requests: 60, concurrency: 3 });
    expect(target.seen).toHaveLength(60);
    expect(target.maxInFlight).toBeLessThanOrEqual(3);
    expect(target.maxInFlight).toBeGreaterThan(1); // the limit was actually exercised

    const serial = await stub({ delayMs: 5 });
    await runLoad({ target: serial.url, requests: 20, concurrency: 1, rate: 500 });
    expect(serial.maxInFlight).toBe(1);
  });

  it('counts 4xx, 5xx and timeouts in the status histogram instead of throwing', async () => {
    const target = await stub({
      statusFor: (r) => (r.seq % 10 === 0 ? 500 : r.seq % 10 === 1 ? 404 : undefined),
      delayMs: (r) => (r.seq % 10 === 5 ? 3000 : 0),
    });
    const summary = await runLoad({ target: target.url, requests: 50, concurrency: 5, timeoutMs: 1000 });
    expect(summary.requests).toBe(50);
    expect(summary.statuses['500']).toBe(5);
    expect(summary.statuses['404']).toBe(5);
    expect(summary.statuses.ERR_TIMEOUT).toBe(5);
    expect(summary.errors).toBe(15);
  });

  it('counts a target that is down as ERR_ECONNREFUSED', async () => {
    const port = await closedPort();
    const summary = await runLoad({ target: `http://127.0.0.1:${port}`, requests: 12, concurrency: 2 });
    expect(summary.requests).toBe(12);
    expect(summary.statuses).toEqual({ ERR_ECONNREFUSED: 12 });
    expect(summary.errors).toBe(12);
  });

  it('records one NDJSON line per request and returns records when asked', async () => {
    const target = await stub();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bakeoff-load-')), 'requests.ndjson');
    const seen: number[] = [];
    const summary = await runLoad({
      target: target.url,
      requests: 30,
      recordFile: file,
      keepRecords: true,
      onRequest: (r) => seen.push(r.seq),
    });
    const lines = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(30);
    expect(lines.map((l) => l.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['endMs', 'route', 'seq', 'startMs', 'status']);
      expect(line.endMs).toBeGreaterThanOrEqual(line.startMs);
      expect(line.startMs).toBeGreaterThan(Date.parse('2020-01-01')); // epoch ms, comparable with the sandbox
      expect(line.route).toMatch(/^(GET|POST) \/api\/activities/);
    }
    expect(summary.records).toEqual(lines);
    expect(seen.sort((a, b) => a - b)).toEqual(lines.map((l) => l.seq).sort((a, b) => a - b));
  });

  it('keeps what the service says chaos injected (x-bakeoff-chaos) on the record', async () => {
    const target = await stub({
      headersFor: (r): Record<string, string> =>
        r.seq === 3 ? { 'x-bakeoff-chaos': 'rule=slow;delay_ms=12' } : {},
    });
    const summary = await runLoad({ target: target.url, requests: 5, keepRecords: true });
    const bySeq = new Map(summary.records?.map((r) => [r.seq, r]));
    expect(bySeq.get(3)?.chaos).toBe('rule=slow;delay_ms=12');
    expect(bySeq.get(2)).not.toHaveProperty('chaos');
  });

  it('stops on a duration, and on abort without leaving requests behind', async () => {
    const target = await stub({ delayMs: 5 });
    const timed = await runLoad({ target: target.url, durationMs: 150, concurrency: 2 });
    expect(timed.requests).toBeGreaterThan(0);
    expect(timed.requests).toBe(target.seen.length);

    const slow = await stub({ delayMs: 10_000 });
    const controller = new AbortController();
    const running = runLoad({
      target: slow.url,
      durationMs: Number.POSITIVE_INFINITY,
      concurrency: 2,
      signal: controller.signal,
    });
    while (slow.seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    const aborted = await running;
    expect(aborted.statuses).toEqual({ ERR_ABORTED: 2 });
  });

  it('rejects bad options with a usage error', async () => {
    await expect(runLoad({ concurrency: 0 })).rejects.toThrow(/concurrency/);
    await expect(runLoad({ runId: 'has space' })).rejects.toThrow(/run id/);
    await expect(runLoad({ target: 'ftp://x' })).rejects.toThrow(/target/);
    await expect(runLoad({ scenario: 'no-such-workload' })).rejects.toThrow(/Unknown workload/);
    await expect(runLoad({ recordFile: '/no/such/dir/x.ndjson' })).rejects.toThrow(/record file/);
  });
});
