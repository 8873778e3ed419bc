/**
 * docs/architecture.md "Adding a vendor" stays short and true: at most 10 lines of steps, and every file and
 * name it tells you to touch exists (checked against a vendor that has all of them, Sentry).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
const section = doc.slice(doc.indexOf('## Adding a vendor'), doc.indexOf('\n## ', doc.indexOf('## Adding a vendor') + 1));
/** The numbered steps, up to the first blank line after them. */
const steps = section.slice(section.indexOf('\n1. ') + 1).split('\n\n')[0];
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('docs/architecture.md: Adding a vendor', () => {
  it('says it in at most 10 lines', () => {
    expect(steps.split('\n').length).toBeLessThanOrEqual(10);
    expect(steps).toMatch(/^1\. /);
  });

  it('names only files that exist', () => {
    const files = [...steps.matchAll(/`([\w./<>-]+\.(?:ts|md))`/g)].map((m) => m[1].replaceAll('<vendor>', 'sentry'));
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const file of files) expect(existsSync(path.join(root, file)), file).toBe(true);
  });

  it('names the lists and helpers the code has', () => {
    expect(read('sandbox/ingest/index.ts')).toContain('export const INGEST_MODULES');
    expect(read('sandbox/ingest/sentry.ts')).toContain('defineIngestModule(');
    expect(read('adapters/index.ts')).toContain('LOADERS');
    expect(read('test/adapters/sentry.test.ts')).toContain('conformanceSuite(');
    expect(read('vendors/types.ts')).toMatch(/readonly release: VendorRelease \| null/);
    for (const name of ['INGEST_MODULES', 'LOADERS', 'conformanceSuite()', 'release']) expect(steps).toContain(name);
  });
});
