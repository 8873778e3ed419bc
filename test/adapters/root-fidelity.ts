/**
 * Issue 11 §1's timing check: each request's root span lasts as long as the client saw the request take, within
 * the timing-fidelity bound, in both directions. A root may be shorter than the client's view by the transfer
 * allowance (connect, write and parse before any SDK's root starts; the response's trip back after it ends),
 * and never longer than it by more than the bound.
 *
 * On a shared machine one request can miss by tens of ms with nothing wrong: the server stamps its root's end
 * when its `finish` (or `close`) listener runs and the client its own when its read callback runs, and either
 * process may be waiting for a CPU in between. So a request that misses under load is sent again, alone (same
 * `x-bakeoff-seq`, so the same chaos), from a client process with nothing else to do, up to `RETRIES` times.
 * An attempt passes when its miss beyond the bounds is no larger than the time the process whose stamp it
 * delays waited for a CPU in the gap that makes the miss: the service before the root started, and whichever
 * stamps last between the root's end and the client's (Linux schedstat, sampled every ms by the client:
 * test/fixtures/lone-client.js). A root that ends early or late for a reason of its own misses on every attempt,
 * and fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { planRequest, toHttpRequest } from '../../harness/load/plan';
import { RUN_HEADER, SEQ_HEADER } from '../../harness/load/runner';
import { loadWorkload } from '../../harness/load/workload';
import type { SandboxVendor, SpanRecord } from '../../sandbox/model';
import type { SandboxStore } from '../../sandbox/store';
import { eventually } from './harness';

/** The timing-fidelity bound the compare report holds injected latency to (harness/compare/metrics.ts). */
export const TIMING_BOUND_MS = 2;
/**
 * How much shorter than the client's view a root may be: connect + write + header parse before any SDK's root
 * starts, and the response's trip back after it ends (measured: docs/architecture.md, "Timing fidelity").
 */
export const TRANSFER_ALLOWANCE_MS = 2;
export const RETRIES = 5;

const LONE_CLIENT = path.join(__dirname, '..', 'fixtures', 'lone-client.js');
/** Columns of the lone client's wait samples. */
const CLIENT = 1;
const SERVICE = 2;

/** A request as the client timed it: epoch ms. */
export interface ClientTiming {
  seq: number;
  startMs: number;
  endMs: number;
}

/** What the lone client measured besides the times. */
interface LoneTiming extends ClientTiming {
  /**
   * [epoch ms, client ms, service ms]: how long the client and the service had each waited for a CPU so far,
   * sampled every ms over the whole round of lone requests, until 50 ms after the last one's end.
   */
  waits: Array<[number, number, number]>;
}

/** One request, one vendor, one attempt. */
export interface Attempt {
  clientMs: number;
  /** Null when the vendor has no trace of the attempt rooted in the activities service. */
  rootMs: number | null;
  /** root − client. */
  missMs: number | null;
  /**
   * Off-CPU time that excuses a miss beyond the bounds: the client's and the service's wait for a CPU while the
   * root had not started yet, and between the root's end and the client's. 0 under load, where a request also
   * queues behind the others, which no tracer in the service can see.
   */
  excusedMs: number;
  ok: boolean;
}

export interface RequestFidelity {
  vendor: SandboxVendor;
  seq: number;
  route: string;
  /** The request under load first, then each lone retry. */
  attempts: Attempt[];
  ok: boolean;
}

/** A request's root span, stretched to the end of any outgoing call the activities service filed under it. */
interface Root {
  startMs: number;
  durationMs: number;
}

/**
 * Each vendor's root of each request of a run: the earliest-starting trace root in the activities service. An
 * outgoing call filed under the request (an upload that armed its timer there) that ends after the root counts
 * as part of it: the trace then shows the request lasting that long.
 */
function rootsOf(store: SandboxStore, runId: string, vendors: readonly SandboxVendor[]) {
  const roots = new Map<string, Root>();
  for (const trace of store.listTraces({ run: runId })) {
    if (trace.seq === null || !vendors.includes(trace.vendor)) continue;
    const root = store.span(trace.vendor, trace.traceId, trace.rootSpanId);
    if (!root || root.service !== 'activities' || root.inProgress) continue;
    const key = `${trace.vendor}/${trace.seq}`;
    const held = roots.get(key);
    if (held && held.startMs <= root.startMs) continue;
    const calls = store
      .getTrace(trace.vendor, trace.traceId)!
      .spans.filter((s: SpanRecord) => s.service === 'activities' && s.kind === 'client');
    const endMs = Math.max(root.startMs + root.durationMs, ...calls.map((s) => s.startMs + s.durationMs));
    roots.set(key, { startMs: root.startMs, durationMs: endMs - root.startMs });
  }
  return roots;
}

/** Waits until every vendor's root of every request has arrived, or 30 s (those still missing fail). */
async function awaitRoots(
  store: SandboxStore,
  runId: string,
  vendors: readonly SandboxVendor[],
  seqs: readonly number[],
) {
  const complete = () => {
    const roots = rootsOf(store, runId, vendors);
    return vendors.every((v) => seqs.every((seq) => roots.has(`${v}/${seq}`))) && roots;
  };
  try {
    return await eventually(async () => complete(), 30_000);
  } catch {
    return rootsOf(store, runId, vendors);
  }
}

function judge(timing: ClientTiming | LoneTiming, root: Root | undefined): Attempt {
  const clientMs = timing.endMs - timing.startMs;
  if (!root) return { clientMs, rootMs: null, missMs: null, excusedMs: 0, ok: false };
  const missMs = root.durationMs - clientMs;
  let excusedMs = 0;
  if ('waits' in timing) {
    // Only a wait that delays a stamp counts: the service's before its root starts (the request sits unread);
    // after the root's end, the client's when the client stamps last (its read is late) and the service's when
    // the service does (its `finish`/`close` listener is late).
    const rootEndMs = root.startMs + root.durationMs;
    const late = rootEndMs > timing.endMs ? SERVICE : CLIENT;
    excusedMs =
      waitedBetween(timing.waits, SERVICE, timing.startMs, root.startMs) +
      waitedBetween(timing.waits, late, Math.min(rootEndMs, timing.endMs), Math.max(rootEndMs, timing.endMs));
  }
  const ok = missMs <= TIMING_BOUND_MS + excusedMs && missMs >= -(TRANSFER_ALLOWANCE_MS + excusedMs);
  return { clientMs, rootMs: root.durationMs, missMs, excusedMs, ok };
}

/**
 * How long the watched threads waited for a CPU between two times, rounded outwards to the samples around them.
 * Past the last sample nothing more is known, so nothing more is excused.
 */
function waitedBetween(
  waits: LoneTiming['waits'],
  thread: typeof CLIENT | typeof SERVICE,
  fromMs: number,
  toMs: number,
): number {
  if (waits.length === 0 || toMs <= fromMs) return 0;
  let first = waits[0];
  for (const sample of waits) if (sample[0] <= fromMs) first = sample;
  const last = waits.find(([atMs]) => atMs >= toMs) ?? waits[waits.length - 1];
  return Math.max(0, last[thread] - first[thread]);
}

/** The lone client process: one request at a time, each answered with its times; the CPU waits on request. */
function startLoneClient(watchPid: number) {
  const child: ChildProcess = spawn(process.execPath, [LONE_CLIENT], {
    env: { ...process.env, WATCH_PID: String(watchPid) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const answers = readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const ask = async <T>(command: object): Promise<T> => {
    child.stdin!.write(`${JSON.stringify(command)}\n`);
    const { value, done } = await answers.next();
    if (done) throw new Error('the lone client exited');
    const answer = JSON.parse(value as string) as T & { error?: string };
    if (answer.error) throw new Error(`lone request failed: ${answer.error}`);
    return answer;
  };
  return {
    send: (request: object) => ask<Omit<ClientTiming, 'seq'>>(request),
    /** The wait samples since the previous call, through the settle time after the last request. */
    waits: async () => (await ask<Pick<LoneTiming, 'waits'>>({ waits: true })).waits,
    close: () => child.stdin!.end(),
  };
}

interface FidelityOptions {
  store: SandboxStore;
  /** The activities service's base URL and process id. */
  target: string;
  targetPid: number;
  runId: string;
  seed: number;
  vendors: readonly SandboxVendor[];
  sent: ReadonlyArray<ClientTiming & { route: string }>;
}

/**
 * Judges every request of a finished load for every vendor, retrying those that miss alone. The services must
 * still be running.
 */
export async function rootFidelity(options: FidelityOptions): Promise<RequestFidelity[]> {
  const { store, vendors, sent } = options;
  const roots = await awaitRoots(
    store,
    options.runId,
    vendors,
    sent.map((r) => r.seq),
  );
  const results = vendors.flatMap((vendor) =>
    sent.map((r) => {
      const attempt = judge(r, roots.get(`${vendor}/${r.seq}`));
      return { vendor, seq: r.seq, route: r.route, attempts: [attempt], ok: attempt.ok };
    }),
  );
  const client = startLoneClient(options.targetPid);
  try {
    await retryMisses(results, options, client);
  } finally {
    client.close();
  }
  return results;
}

async function retryMisses(
  results: RequestFidelity[],
  options: FidelityOptions,
  client: ReturnType<typeof startLoneClient>,
): Promise<void> {
  const workload = loadWorkload('mixed');
  for (let retry = 1; retry <= RETRIES; retry++) {
    // A request no vendor traced has nothing to retry for: it fails as it is.
    const pending = results.filter((r) => !r.ok && r.attempts[0].rootMs !== null);
    const seqs = [...new Set(pending.map((r) => r.seq))];
    if (seqs.length === 0) return;
    const runId = `${options.runId}.retry${retry}`;
    const sentAlone: ClientTiming[] = [];
    for (const seq of seqs) {
      const { method, path: urlPath, body } = toHttpRequest(planRequest(workload, options.seed, seq));
      const data = body === undefined ? undefined : JSON.stringify(body);
      const timing = await client.send({
        url: new URL(urlPath, options.target).href,
        method,
        headers: {
          [RUN_HEADER]: runId,
          [SEQ_HEADER]: String(seq),
          ...(data === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: data,
      });
      sentAlone.push({ seq, ...timing });
    }
    // One series of samples covers the whole round: each request is judged on the part around its own times.
    const waits = await client.waits();
    const timings = new Map(sentAlone.map((timing) => [timing.seq, { ...timing, waits }]));
    const vendors = [...new Set(pending.map((r) => r.vendor))];
    const retried = await awaitRoots(options.store, runId, vendors, seqs);
    for (const result of pending) {
      const attempt = judge(timings.get(result.seq)!, retried.get(`${result.vendor}/${result.seq}`));
      result.attempts.push(attempt);
      result.ok = attempt.ok;
    }
  }
}

/** One line per failing request: every attempt's root − client and the off-CPU time that could excuse it. */
export function describeMisses(results: readonly RequestFidelity[]): string[] {
  const signed = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
  return results
    .filter((r) => !r.ok)
    .map(
      (r) =>
        `seq ${r.seq} ${r.route}: ` +
        r.attempts
          .map((a) =>
            a.missMs === null
              ? 'no root'
              : `root ${a.rootMs!.toFixed(1)} vs client ${a.clientMs.toFixed(1)} ms ` +
                `(${signed(a.missMs)}, ${a.excusedMs.toFixed(1)} ms off-CPU)`,
          )
          .join('; '),
    );
}
