/**
 * Chaos scenarios: YAML files in config/scenarios/ (or any path) describing latency and faults per route.
 * Validated once when loaded; a bad file fails at start with the path and the problem.
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
    /** `METHOD /path/template` exactly as the route is declared, e.g. `POST /api/activities`. */
    route: z.string().regex(/^(GET|POST|PUT|DELETE|PATCH) \/\S*$/, 'like "POST /api/activities"'),
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

export function listScenarios(): string[] {
  return fs
    .readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export function parseScenario(input: unknown, source: string): Scenario {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new BakeoffError('BAKEOFF_ERR_INVALID_SCENARIO', `Invalid chaos scenario ${source}: ${problems}`);
  }
  return parsed.data;
}

/** `name` is a shipped scenario (`off`, `bootcamp`, `incident`, …) or a path to a YAML file. */
export function loadScenario(nameOrPath: string): Scenario {
  const isPath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml');
  const file = isPath ? path.resolve(nameOrPath) : path.join(SCENARIO_DIR, `${nameOrPath}.yaml`);
  if (!isPath && !/^[a-z0-9_-]+$/i.test(nameOrPath)) {
    throw new BakeoffError('BAKEOFF_ERR_UNKNOWN_SCENARIO', `Unknown chaos scenario "${nameOrPath}".`);
  }
  if (!fs.existsSync(file)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_UNKNOWN_SCENARIO',
      `Unknown chaos scenario "${nameOrPath}". Shipped: ${listScenarios().join(', ')}; or give a path to a .yaml file.`,
    );
  }
  return parseScenario(parseYaml(fs.readFileSync(file, 'utf8')), file);
}
