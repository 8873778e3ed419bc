/**
 * The commands in docs/ec2.md are real: the launch and teardown lines run (as --dry-run) against the fake AWS
 * CLI, the SSM parameter names are variables bakeoff (or the Datadog agent) reads, and the bakeoff CLI options
 * it shows exist.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ENV_VARS } from '../../config/env';
import { createSandbox, REPO_ROOT, type Sandbox } from './harness';

const ec2Doc = readFileSync(path.join(REPO_ROOT, 'docs', 'ec2.md'), 'utf8');
const codeLines = [...ec2Doc.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) => m[1].split('\n'));

/** Splits a documented command line into words (the docs use no quotes in these lines). */
const words = (line: string) => line.trim().split(/\s+/);

let box: Sandbox;
beforeEach(() => {
  box = createSandbox();
});
afterEach(() => box.cleanup());

describe('docs/ec2.md', () => {
  it('names only SSM parameters that become variables something reads', () => {
    const names = [...ec2Doc.matchAll(/(?<![\w/])\/bakeoff\/([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(4);
    const readByAgent = ['DD_SITE'];
    expect(names.filter((name) => !ENV_VARS.includes(name) && !readByAgent.includes(name))).toEqual([]);
  });

  it('shows launch.sh and teardown.sh commands that run', () => {
    const scripts = codeLines.filter((line) => /^deploy\/ec2\/(launch|teardown)\.sh /.test(line));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    for (const line of scripts) {
      const [script, ...args] = words(line);
      if (!args.includes('--dry-run')) args.push('--dry-run');
      if (script.endsWith('teardown.sh')) {
        // teardown's dry run still lists what exists: give it something to find.
        box.run(
          path.join(REPO_ROOT, 'deploy/ec2/launch.sh'),
          ['--name', 'demo', '--repo', 'https://x.test/b.git'],
          {
            STUB_CALLER_IP: '198.51.100.7',
          },
        );
      }
      const result = box.run(path.join(REPO_ROOT, script), args, {
        STUB_CALLER_IP: '198.51.100.7',
        AWS_DEFAULT_REGION: 'us-east-1',
      });
      expect(result.status, `${line}\n${result.stderr}`).toBe(0);
    }
  });

  it('uses only options the bakeoff CLI has', () => {
    const loadHelp = readFileSync(path.join(REPO_ROOT, 'cli', 'load.ts'), 'utf8');
    const loadLines = codeLines.filter((line) => line.includes('dist/cli/bakeoff.js load'));
    expect(loadLines.length).toBeGreaterThan(0);
    for (const option of loadLines.flatMap((line) => words(line).filter((w) => w.startsWith('--')))) {
      expect(loadHelp).toContain(`  ${option} `);
    }
  });
});
