/**
 * Workloads: YAML files in config/workloads/ (or any path) giving the mix of requests the load generator
 * sends. The CLI calls this `--scenario` (per the design); chaos scenarios are a different thing and live in
 * config/scenarios/. Validated once when loaded; a bad file fails at start with the path and the problem.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { seedUsers } from '../../shared/seed-data';
import { BakeoffError } from '../../config/errors';

/** The request kinds the activities API offers, in the order the mix is drawn from. */
export const REQUEST_KINDS = ['home', 'user_feed', 'search', 'create', 'reply'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Search terms that hit the seed data, one that hits the generator's own posts, and one that finds nothing. */
const DEFAULT_SEARCH_TERMS = ['feed', 'bug', 'release', 'parser', 'trace', 'hello', 'load', 'no-such-word'];

const weight = z.number().min(0).max(1_000_000).default(0);

export const workloadSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, . _ -'),
    description: z.string().default(''),
    /** Relative weights (need not add up to 100); a kind left out is never sent. */
    mix: z
      .object({ home: weight, user_feed: weight, search: weight, create: weight, reply: weight })
      .strict()
      .refine((m) => Object.values(m).some((w) => w > 0), 'at least one weight must be > 0'),
    /** Handles that read and post; default: the seed users (app/store/seed.ts). They must exist on the target. */
    handles: z
      .array(z.string().regex(/^[a-z0-9_]{1,32}$/))
      .min(1)
      .optional(),
    /** Terms for `GET /api/activities/search`. */
    searchTerms: z.array(z.string().trim().min(1).max(100)).min(1).optional(),
    /** A reply answers the newest create at most this many seqs earlier, else a seed activity. Default 20. */
    replyWindow: z.number().int().min(1).max(1000).default(20),
  })
  .strict();

export type WorkloadInput = z.input<typeof workloadSchema>;

export interface Workload {
  name: string;
  description: string;
  mix: Record<RequestKind, number>;
  handles: readonly string[];
  searchTerms: readonly string[];
  replyWindow: number;
}

/** Where the shipped workloads live, in the source tree and in dist/ alike (scripts/copy-assets.js). */
export const WORKLOAD_DIR = path.resolve(__dirname, '../../config/workloads');

export function listWorkloads(): string[] {
  if (!fs.existsSync(WORKLOAD_DIR)) return [];
  return fs
    .readdirSync(WORKLOAD_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

/** Validates a parsed workload and fills in the defaults. `source` names it in error messages. */
export function parseWorkload(input: unknown, source: string): Workload {
  const parsed = workloadSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new BakeoffError('BAKEOFF_ERR_INVALID_SCENARIO', `Invalid workload ${source}: ${problems}`);
  }
  const w = parsed.data;
  return Object.freeze({
    name: w.name,
    description: w.description,
    mix: Object.freeze({ ...w.mix }),
    handles: Object.freeze(w.handles ?? seedUsers.map((u) => u.handle)),
    searchTerms: Object.freeze(w.searchTerms ?? DEFAULT_SEARCH_TERMS),
    replyWindow: w.replyWindow,
  });
}

/** `nameOrPath` is a shipped workload (`mixed`, `read-heavy`, `write-heavy`) or a path to a YAML file. */
export function loadWorkload(nameOrPath: string): Workload {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  if (!isPath && !/^[a-z0-9_-]+$/i.test(nameOrPath)) {
    throw new BakeoffError('BAKEOFF_ERR_UNKNOWN_SCENARIO', `Unknown workload "${nameOrPath}".`);
  }
  const file = isPath ? path.resolve(nameOrPath) : path.join(WORKLOAD_DIR, `${nameOrPath}.yaml`);
  if (!fs.existsSync(file)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
      `Unknown workload "${nameOrPath}". Shipped: ${listWorkloads().join(', ')}; or give a path to a .yaml file.`,
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BakeoffError(
      'BAKEOFF_ERR_INVALID_SCENARIO',
      `Invalid workload ${file}: ${(err as Error).message}`,
    );
  }
  return parseWorkload(raw, file);
}
