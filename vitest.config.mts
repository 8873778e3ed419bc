import { defineConfig } from 'vitest/config';
import SlowFirstSequencer from './test/setup/slow-first-sequencer.mts';

/**
 * Files that assert how long something takes on a machine running only them: a request's root span against
 * what a lone client saw and no outgoing call outliving its request (crosstrace), the README's "every vendor
 * within a minute" (quickstart), a shutdown within one SHUTDOWN_TIMEOUT_MS (lifecycle), valid benchmark arms
 * (bench). They run after every other file, one at a time, so no other test's load can fail them.
 */
const ALONE = [
  'test/adapters/crosstrace.test.ts',
  'test/docs/quickstart.test.ts',
  'test/app/lifecycle.test.ts',
  'test/bench/bench.test.ts',
];

export default defineConfig({
  test: {
    // Records suites skipped for a missing Debian package and names them, once, at the end of the run.
    globalSetup: ['test/setup/global-setup.ts'],
    // Limits for a hung test, not speed checks: with files side by side on a busy machine, starting a service
    // can take several times as long as on an idle one.
    testTimeout: 90_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Without timings of a previous run (a fresh checkout), the slowest files still start first.
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: ALONE,
          // Most of a file's time is spent waiting (SDK flushes, child processes starting, polling the
          // sandbox), so more files than cores run side by side. Every test binds only free ports and writes
          // only its own temp directories, so any two files can share the machine.
          maxWorkers: 3,
        },
      },
      // A project with one worker runs after the others (vitest groups files by sequence.groupOrder).
      { extends: true, test: { name: 'alone', include: ALONE, maxWorkers: 1 } },
    ],
  },
});
