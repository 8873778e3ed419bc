/**
 * The fresh-checkout order: the listed slow files start first, the rest keep vitest's order, and once vitest has
 * timings of its own it decides alone.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import SlowFirstSequencer, { SLOW_FILES } from './slow-first-sequencer.mjs';

const ROOT = path.resolve(__dirname, '../..');

/** Just what BaseSequencer#sort reads of a specification. */
function spec(file: string): TestSpecification {
  const project = { name: 'parallel', config: { sequence: { groupOrder: 0 }, isolate: true } };
  return { moduleId: path.join(ROOT, file), project } as unknown as TestSpecification;
}

function sequencer(durations: Record<string, number>): SlowFirstSequencer {
  const cache = {
    getTestSpecificationResult: (s: TestSpecification) => {
      const duration = durations[path.relative(ROOT, s.moduleId)];
      return duration === undefined ? undefined : { duration, failed: false };
    },
  };
  return new SlowFirstSequencer({ cache } as unknown as Vitest);
}

describe('slow files first', () => {
  it('lists only files that exist', () => {
    for (const file of SLOW_FILES) expect(existsSync(path.join(ROOT, file)), file).toBe(true);
  });

  it('without timings of a previous run, starts the listed files first, in the listed order', async () => {
    const files = ['test/store/store.test.ts', SLOW_FILES[1], 'test/sandbox/sqs.test.ts', SLOW_FILES[0]];
    const order = await sequencer({}).sort(files.map(spec));
    expect(order.map((s) => path.relative(ROOT, s.moduleId))).toEqual([
      SLOW_FILES[0],
      SLOW_FILES[1],
      // The rest as vitest orders them without timings: larger files first.
      'test/store/store.test.ts',
      'test/sandbox/sqs.test.ts',
    ]);
  });

  it('with timings, leaves the order to vitest (longest first)', async () => {
    const files = [SLOW_FILES[0], 'test/store/store.test.ts'];
    const order = await sequencer({ [SLOW_FILES[0]]: 1_000, 'test/store/store.test.ts': 9_000 }).sort(
      files.map(spec),
    );
    expect(order.map((s) => path.relative(ROOT, s.moduleId))).toEqual([
      'test/store/store.test.ts',
      SLOW_FILES[0],
    ]);
  });
});
