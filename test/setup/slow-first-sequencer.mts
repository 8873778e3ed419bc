/**
 * Orders test files so that the longest start first. Vitest does this itself from the timings of the last run,
 * kept under node_modules/.vite; a fresh checkout (CI, after `npm ci`) has none, and vitest falls back to file
 * size, which would start a short file that waits a whole minute (cloudwatch-steady) last and make the run a
 * minute longer. There, the files listed here go first.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The slowest files of a full run, longest first (each 20 s or more, mostly spent waiting). */
export const SLOW_FILES = [
  'test/ingest/cloudwatch-steady.test.ts',
  'test/vendors/credential-scrub.test.ts',
  'test/compare/screenshots.test.ts',
  'test/deploy/user-data.test.ts',
  'test/compare/compare.test.ts',
  'test/adapters/otlp.test.ts',
  'test/adapters/cloudwatch.test.ts',
  'test/deploy/launch.test.ts',
  'test/adapters/async.test.ts',
  'test/adapters/honeycomb.test.ts',
  'test/e2e/views-search.test.ts',
  'test/adapters/sentry.test.ts',
];

function slowRank(spec: TestSpecification): number {
  const rank = SLOW_FILES.findIndex((file) => spec.moduleId.endsWith(`/${file}`));
  return rank === -1 ? SLOW_FILES.length : rank;
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const timed = files.some((spec) => this.ctx.cache.getTestSpecificationResult(spec));
    // Array#sort is stable: files outside the list keep vitest's order.
    return timed ? sorted : [...sorted].sort((a, b) => slowRank(a) - slowRank(b));
  }
}
