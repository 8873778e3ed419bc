/**
 * Every `bakeoff <command> …` line in the README and docs names a real command and only options that command
 * documents in its --help, and every `OBSERVABILITY=…` in them is accepted by the parser. Catches stale docs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAdapterList } from '../../config/env';
import { CLI } from '../helpers/cli';

const root = path.resolve(__dirname, '../..');
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
  ...readdirSync(path.join(root, 'docs/vendors')).map((f) => `docs/vendors/${f}`),
];

/** Command lines inside code blocks and inline code, with their file. */
function invocations(): Array<{ file: string; command: string; options: string[] }> {
  const found = [];
  for (const file of docs) {
    const text = readFileSync(path.join(root, file), 'utf8');
    const code = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2]);
    for (const block of code) {
      // `npx bakeoff <word>` or `bakeoff <command>`: a misspelt command after npx is caught too.
      for (const match of block.matchAll(/(?:npx bakeoff ([a-z]+)|\bbakeoff (serve|sandbox|load|compare|bench)\b)([^\n#|`]*)/g)) {
        const options = [...match[3].matchAll(/(?:^|\s)(--[a-z][a-z-]*)/g)].map((m) => m[1]);
        found.push({ file, command: match[1] ?? match[2], options });
      }
    }
  }
  return found;
}

const helpOf = new Map<string, string>();
function help(command: string): string {
  if (!helpOf.has(command)) {
    helpOf.set(command, execFileSync(process.execPath, [CLI, command, '--help'], { encoding: 'utf8' }));
  }
  return helpOf.get(command)!;
}

describe('commands in the docs', () => {
  const all = invocations();

  it('finds the documented commands', () => {
    expect(new Set(all.map((i) => i.command))).toEqual(new Set(['serve', 'sandbox', 'load', 'compare', 'bench']));
  });

  it.each(all.map((i) => [`${i.file}: bakeoff ${i.command} ${i.options.join(' ')}`, i] as const))(
    '%s',
    (_name, { command, options }) => {
      const text = help(command);
      for (const option of options) expect(text, `${command} --help lists ${option}`).toContain(option);
    },
  );

  it('uses only OBSERVABILITY values the parser accepts', () => {
    const values = docs.flatMap((file) =>
      [...readFileSync(path.join(root, file), 'utf8').matchAll(/OBSERVABILITY=([a-z,]+)/g)].map((m) => m[1]),
    );
    expect(values.length).toBeGreaterThan(5);
    for (const value of values) expect(() => parseAdapterList(value), value).not.toThrow();
  });
});
