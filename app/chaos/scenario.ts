/**
 * Chaos scenarios: YAML files describing latency and faults per route. Shipped ones live in config/scenarios/;
 * an operator may add a directory of their own (`CHAOS_DIR`) and, at start only, give any path (`CHAOS`).
 * Validated once when loaded; a bad file fails with where the problem is, never with what the file holds (the
 * admin API answers with these messages, and a path could name any file the process can read).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BakeoffError } from '../../config/errors';

const ms = z.number().min(0).max(60_000);

export const latencySchema = z.discriminatedUnion('dist', [
  /** Always the same delay. */
  z.object({ dist: z.literal('fixed'), ms }).strict(),
  /** Evenly spread between min and max (the week-2 homework's `sleep(random(50..500))`). */
  z
    .object({ dist: z.literal('uniform'), min: ms, max: ms })
    .strict()
    .refine((r) => r.min <= r.max, 'min must be ≤ max'),
  /** Bell curve, clamped at 0 and at `max` (default mean + 4 stddev). */
  z.object({ dist: z.literal('normal'), mean: ms, stddev: ms, max: ms.optional() }).strict(),
  /**
   * Log-normal with the given median and 99th percentile: most requests are quick, one in a hundred
   * spikes. Clamped at `max` (default 2 × p99).
   */
  z
    .object({ dist: z.literal('longtail'), median: ms, p99: ms, max: ms.optional() })
    .strict()
    .refine((r) => r.median > 0 && r.p99 >= r.median, 'need 0 < median ≤ p99'),
]);

export const faultSchema = z
  .object({
    /** Share of requests that fail, 0–1. */
    rate: z.number().min(0).max(1),
    status: z.number().int().min(400).max(599).default(500),
    /** The exception class name vendors will show. */
    type: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .default('InjectedFault'),
    message: z.string().min(1).max(200).default('injected fault'),
  })
  .strict();

export const ruleSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits, . _ -'),
    /**
     * `METHOD /path/template` exactly as the route is declared, e.g. `POST /api/activities`; or one of the queue
     * keys: `queue:send` (the activities service's SendMessage) and `worker:notify` (the worker's handling).
     */
    route: z
      .string()
      .regex(
        /^((GET|POST|PUT|DELETE|PATCH) \/\S*|queue:send|worker:notify)$/,
        'like "POST /api/activities", or queue:send, worker:notify',
      ),
    latency: latencySchema.optional(),
    fault: faultSchema.optional(),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().default(''),
    rules: z.array(ruleSchema).default([]),
    downstream: z
      .object({
        /** Share of users-service calls that present a forged token and get 401 (→ 500 upstream). */
        usersAuthFailureRate: z.number().min(0).max(1).default(0),
      })
      .strict()
      .default({ usersAuthFailureRate: 0 }),
  })
  .strict()
  .refine((s) => new Set(s.rules.map((r) => r.name)).size === s.rules.length, 'rule names must be unique');

export type LatencySpec = z.infer<typeof latencySchema>;
export type FaultSpec = z.infer<typeof faultSchema>;
export type ChaosRule = z.infer<typeof ruleSchema>;
export type Scenario = z.infer<typeof scenarioSchema>;

/** Where the shipped scenarios live, in the source tree and in dist/ alike. */
export const SCENARIO_DIR = path.resolve(__dirname, '../../config/scenarios');

/** A scenario name: a file name without `.yaml`, never a path. */
const NAME = /^[a-z0-9_-]{1,64}$/i;

/** Names of the `.yaml` files in `dir` (none when it does not exist). */
function namesIn(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && NAME.test(f.slice(0, -'.yaml'.length)))
    .map((f) => f.slice(0, -'.yaml'.length));
}

/** Shipped scenario names, plus those in the operator's `CHAOS_DIR` when one is configured. */
export function listScenarios(chaosDir?: string): string[] {
  return [...new Set([...namesIn(SCENARIO_DIR), ...(chaosDir ? namesIn(chaosDir) : [])])].sort();
}

export function parseScenario(input: unknown, source: string): Scenario {
  return validScenario(input, source, true);
}

/**
 * `revealKeys`: whether a problem may name an unknown field. Yes for a scenario the caller sent; no for a file,
 * whose field names are the file's content.
 */
function validScenario(input: unknown, label: string, revealKeys: boolean): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => {
        const where = issue.path.join('.') || '(root)';
        if (issue.code === 'unrecognized_keys' && !revealKeys) return `${where}: unknown field(s)`;
        return `${where}: ${issue.message}`;
      })
      .join('; ');
    throw new BakeoffError('BAKEOFF_ERR_INVALID_SCENARIO', `Invalid chaos scenario ${label}: ${problems}`);
  }
  return parsed.data;
}

/** Reads and validates one scenario file; errors say where a problem is, not what the file says there. */
function readScenarioFile(file: string, label: string): Scenario {
  let document: unknown;
  try {
    document = parseYaml(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    // YAML's own messages quote the offending line: only its position is passed on.
    const at = (error as { linePos?: Array<{ line: number; col: number }> }).linePos?.[0];
    const where = at ? ` (line ${at.line}, column ${at.col})` : '';
    const what = error instanceof Error && error.name === 'YAMLParseError' ? 'not valid YAML' : 'unreadable';
    throw new BakeoffError(
      'BAKEOFF_ERR_INVALID_SCENARIO',
      `Invalid chaos scenario ${label}: ${what}${where}`,
    );
  }
  return validScenario(document, label, false);
}

/**
 * A scenario by name only: shipped first, then the operator's `CHAOS_DIR`. What the admin API accepts, so a
 * request can never make the service read a file outside those two directories.
 */
export function loadNamedScenario(name: string, chaosDir?: string): Scenario {
  const available = listScenarios(chaosDir);
  if (!NAME.test(name)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
      `A chaos scenario is given by name (letters, digits, - and _), not a path. Available: ${available.join(', ')}.`,
    );
  }
  const file = [SCENARIO_DIR, ...(chaosDir ? [chaosDir] : [])]
    .map((dir) => path.join(dir, `${name}.yaml`))
    .find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
      `Unknown chaos scenario "${name}". Available: ${available.join(', ')}${chaosDir ? '' : ' (set CHAOS_DIR to add a directory of your own)'}.`,
    );
  }
  return readScenarioFile(file, `"${name}"`);
}

/**
 * `CHAOS` at start: a scenario name (shipped, or in `CHAOS_DIR`) or a path to a YAML file. Paths are for the
 * operator's environment only; the admin API takes names (`loadNamedScenario`).
 */
export function loadScenario(nameOrPath: string, chaosDir?: string): Scenario {
  if (chaosDir !== undefined && !fs.statSync(chaosDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new BakeoffError('BAKEOFF_ERR_INVALID_ENV', `CHAOS_DIR ${chaosDir} is not a directory.`);
  }
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  if (!isPath) return loadNamedScenario(nameOrPath, chaosDir);
  const file = path.resolve(nameOrPath);
  if (!fs.existsSync(file)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
      `No chaos scenario file at ${file}. Shipped: ${listScenarios(chaosDir).join(', ')}.`,
    );
  }
  return readScenarioFile(file, file);
}
