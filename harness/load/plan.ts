/**
 * The workload plan: which request goes out at seq k is a pure function of (workload, seed, k). Same seed →
 * the same requests in the same order on every run, so every vendor in a comparison sees identical traffic
 * (and the chaos engine, keyed on the same seq, injects the same delays and faults).
 *
 * Reply targets are part of the plan too: a reply at seq k answers the newest create planned in the
 * `replyWindow` seqs before k (the runner waits for that create's response to learn its uuid). When there is
 * none, or that create failed at run time, it answers a seed activity chosen here. Seed activities have fixed
 * uuids (app/store/seed.ts), so this fallback needs no look-up and is the same against every fresh target;
 * picking one from the first home feed instead would depend on whatever the store already held.
 */
import { uniform01 } from '../../shared/random';
import { seedActivityUuid } from '../../shared/seed-data';
import { REQUEST_KINDS, type RequestKind, type Workload } from './workload';

/** Route templates, spelled as the service and chaos rules name them. */
export const ROUTES: Readonly<Record<RequestKind, string>> = {
  home: 'GET /api/activities/home',
  user_feed: 'GET /api/activities/@:handle',
  search: 'GET /api/activities/search',
  create: 'POST /api/activities',
  reply: 'POST /api/activities/:uuid/reply',
};

/** Seed activities that are top-level and never expire (ids in app/store/seed.ts), so replies to them land. */
const SEED_PARENT_IDS = [1, 2, 3, 4, 5, 6, 11] as const;

const CREATE_PHRASES = [
  'Shipping the fix before lunch.',
  'Who else is tracing today?',
  'Coffee first, then the code review.',
  'The dashboard finally loads in under a second.',
  'Reading last night’s incident notes.',
  'Pairing on the flaky test.',
  'Small tools, composed well.',
  'Measure first, then optimise.',
];

const REPLY_PHRASES = ['Agreed!', 'Nice work.', 'Which build was that?', 'Same here.', 'Thanks for sharing.'];

/**
 * The share of creates and replies that mention another handle (`cc @grace`): the notifications worker then has
 * someone to notify besides the author replied to, and compare checks those notifications end to end.
 */
const MENTION_SHARE = 0.5;

/** Creates that set a TTL use one of these (the bootcamp choices plus plain seconds). */
const TTLS: readonly (string | number)[] = ['1-hour', '1-day', '7-days', 2 * 86_400];

interface Planned<K extends RequestKind> {
  seq: number;
  kind: K;
  route: string;
}

export type PlannedRequest =
  | Planned<'home'>
  | (Planned<'user_feed'> & { handle: string })
  | (Planned<'search'> & { term: string })
  | (Planned<'create'> & { handle: string; message: string; mentions: string[]; ttl?: string | number })
  | (Planned<'reply'> & {
      handle: string;
      message: string;
      /** Handles the message mentions (never the author): each is notified by the worker. */
      mentions: string[];
      /** The earlier seq whose create this reply answers, if any falls in the reply window. */
      parentSeq?: number;
      /** Used when there is no `parentSeq` or that create failed. */
      fallbackParentUuid: string;
    });

/** One uniform draw in [0, 1) for this seq; `stream` keeps independent choices independent. */
function draw(seed: number, seq: number, stream: string): number {
  return uniform01(seed, 'load', seq, stream);
}

function pick<T>(items: readonly T[], seed: number, seq: number, stream: string): T {
  return items[Math.floor(draw(seed, seq, stream) * items.length)];
}

/** The kind of request at `seq`: a weighted draw from the workload's mix. */
export function kindAt(workload: Workload, seed: number, seq: number): RequestKind {
  const total = REQUEST_KINDS.reduce((sum, kind) => sum + workload.mix[kind], 0);
  let point = draw(seed, seq, 'kind') * total;
  for (const kind of REQUEST_KINDS) {
    point -= workload.mix[kind];
    if (point < 0 && workload.mix[kind] > 0) return kind;
  }
  // Only reachable through floating-point rounding at the very top of the range.
  return [...REQUEST_KINDS].reverse().find((kind) => workload.mix[kind] > 0)!;
}

/** The other handle this create or reply mentions, if it mentions one. */
function mentionsAt(workload: Workload, seed: number, seq: number, author: string): string[] {
  const others = workload.handles.filter((h) => h !== author);
  if (others.length === 0 || draw(seed, seq, 'mention?') >= MENTION_SHARE) return [];
  return [pick(others, seed, seq, 'mention')];
}

/** `text`, then ` cc @a @b` for the mentioned handles. */
function withMentions(text: string, mentions: readonly string[]): string {
  return mentions.length === 0 ? text : `${text} cc ${mentions.map((h) => `@${h}`).join(' ')}`;
}

/** The newest create planned within `workload.replyWindow` seqs before `seq`. */
function parentSeqFor(workload: Workload, seed: number, seq: number): number | undefined {
  for (let k = seq - 1; k >= Math.max(1, seq - workload.replyWindow); k--) {
    if (kindAt(workload, seed, k) === 'create') return k;
  }
  return undefined;
}

/** The request at `seq` (1-based). Pure: no clock, no Math.random, no state. */
export function planRequest(workload: Workload, seed: number, seq: number): PlannedRequest {
  if (!Number.isInteger(seq) || seq < 1) throw new RangeError(`seq must be a positive integer, got ${seq}`);
  const kind = kindAt(workload, seed, seq);
  const route = ROUTES[kind];
  const handle = pick(workload.handles, seed, seq, 'handle');
  switch (kind) {
    case 'home':
      return { seq, kind, route };
    case 'user_feed':
      return { seq, kind, route, handle };
    case 'search':
      return { seq, kind, route, term: pick(workload.searchTerms, seed, seq, 'term') };
    case 'create': {
      const mentions = mentionsAt(workload, seed, seq, handle);
      const message = withMentions(
        `Load note ${seq}: ${pick(CREATE_PHRASES, seed, seq, 'message')}`,
        mentions,
      );
      const withTtl = draw(seed, seq, 'ttl?') < 1 / 3;
      return withTtl
        ? { seq, kind, route, handle, message, mentions, ttl: pick(TTLS, seed, seq, 'ttl') }
        : { seq, kind, route, handle, message, mentions };
    }
    case 'reply': {
      const mentions = mentionsAt(workload, seed, seq, handle);
      const message = withMentions(`Reply ${seq}: ${pick(REPLY_PHRASES, seed, seq, 'message')}`, mentions);
      const fallbackParentUuid = seedActivityUuid(pick(SEED_PARENT_IDS, seed, seq, 'fallback-parent'));
      const parentSeq = parentSeqFor(workload, seed, seq);
      return parentSeq === undefined
        ? { seq, kind, route, handle, message, mentions, fallbackParentUuid }
        : { seq, kind, route, handle, message, mentions, parentSeq, fallbackParentUuid };
    }
  }
}

/** Seqs 1..count, for inspection and tests; the runner plans one seq at a time. */
export function planRequests(workload: Workload, seed: number, count: number): PlannedRequest[] {
  return Array.from({ length: count }, (_, i) => planRequest(workload, seed, i + 1));
}

/** The concrete HTTP request for a planned one; `parentUuid` resolves a reply's target. */
export function toHttpRequest(
  planned: PlannedRequest,
  parentUuid?: string,
): { method: 'GET' | 'POST'; path: string; body?: Record<string, unknown> } {
  switch (planned.kind) {
    case 'home':
      return { method: 'GET', path: '/api/activities/home' };
    case 'user_feed':
      return { method: 'GET', path: `/api/activities/@${encodeURIComponent(planned.handle)}` };
    case 'search':
      return { method: 'GET', path: `/api/activities/search?term=${encodeURIComponent(planned.term)}` };
    case 'create': {
      const body: Record<string, unknown> = { handle: planned.handle, message: planned.message };
      if (planned.ttl !== undefined) body.ttl = planned.ttl;
      return { method: 'POST', path: '/api/activities', body };
    }
    case 'reply': {
      const uuid = parentUuid ?? planned.fallbackParentUuid;
      return {
        method: 'POST',
        path: `/api/activities/${encodeURIComponent(uuid)}/reply`,
        body: { handle: planned.handle, message: planned.message },
      };
    }
  }
}
