/**
 * docs/homework.md works on a fresh clone without accounts: each step's first command starts the sandbox it
 * sends to, every sandbox view is named by a full URL of a view the UI has, the six homework screenshots each
 * have one, and the start-up lines it quotes are the ones the adapters print.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHoneycombExport } from '../../adapters/honeycomb';
import { SANDBOX_AGENT_VARS } from '../../adapters/sandbox-agents';
import { resolveXraySettings } from '../../adapters/xray';
import { isVendorRoutingVar } from '../../vendors/credential-scrub';

const root = path.resolve(__dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/homework.md'), 'utf8');

/** `## 1. Honeycomb…` → its text, for the numbered steps 1–4 (the vendor steps). */
const steps = doc
  .split(/^## /m)
  .filter((s) => /^[1-4]\. /.test(s))
  .map((s) => ({ title: s.split('\n')[0], text: s }));

/** Each `npx bakeoff serve` command of a text (sh blocks and inline code), backslash continuations joined. */
function serveCommands(text: string): string[] {
  const code = [...text.matchAll(/```sh\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => (m[1] ?? m[2]).replace(/\\\n\s*/g, ''));
  return code.flatMap((block) => block.split('\n')).filter((line) => line.includes('npx bakeoff serve'));
}

/** The variables a command sets that send data to a real vendor account. */
const credentialsOf = (command: string) =>
  [...command.matchAll(/(?:^|\s)([A-Z][A-Z0-9_]*)=/g)].map((m) => m[1]).filter(isVendorRoutingVar);

/** Every view the sandbox UI registers (`registerView('map', …)`), plus the built-in trace page. */
const views = new Set([
  'trace',
  ...readdirSync(path.join(root, 'sandbox/ui/views'))
    .filter((f) => f.endsWith('.js'))
    .flatMap((f) =>
      [...readFileSync(path.join(root, 'sandbox/ui/views', f), 'utf8').matchAll(/registerView\('([a-z-]+)'/g)].map(
        (m) => m[1],
      ),
    ),
]);

describe('docs/homework.md, offline', () => {
  it('has the four vendor steps', () => {
    expect(steps.map((s) => s.title.split(':')[0])).toEqual([
      '1. Honeycomb',
      '2. AWS X-Ray',
      '3. Rollbar',
      '4. CloudWatch Logs',
    ]);
  });

  it.each(steps.map((s) => [s.title, s] as const))(
    '%s: the first command needs no account and starts the sandbox it sends to',
    (_title, { text }) => {
      const commands = serveCommands(text);
      expect(commands.length).toBeGreaterThan(0);
      expect(credentialsOf(commands[0]), commands[0]).toEqual([]);
      // …and a second one for the real console, with the account's settings.
      expect(commands.slice(1).some((c) => credentialsOf(c).length > 0)).toBe(true);
      // Without credentials every adapter sends to the sandbox: a command that does not start it fails with
      // ECONNREFUSED.
      for (const command of commands.filter((c) => credentialsOf(c).length === 0))
        expect(command).toContain('--with-sandbox');
    },
  );

  it('puts real values in quotes, not <placeholders> a shell reads as redirections', () => {
    for (const command of steps.flatMap((s) => serveCommands(s.text))) expect(command).not.toMatch(/=</);
  });

  it('names every sandbox view by a full URL of a view the UI has', () => {
    const urls = [...doc.matchAll(/<(http:\/\/127\.0\.0\.1:4400[^>]*)>/g)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThan(10);
    for (const url of urls) {
      expect(url, url).not.toMatch(/[<>{}]|\.\.\./);
      const view = /^http:\/\/127\.0\.0\.1:4400\/(?:#\/([a-z-]+))?/.exec(url)?.[1];
      if (view !== undefined) expect(views, url).toContain(view);
    }
  });

  it('gives each homework screenshot its offline URL', () => {
    const table = doc.slice(doc.indexOf('| Homework screenshot'), doc.indexOf('\n\n', doc.indexOf('| Homework screenshot')));
    const rows = table.split('\n').slice(2);
    const url = (label: string) => rows.find((r) => r.includes(label))?.match(/<(http[^>]+)>/)?.[1];
    expect(url('Filtered traces')).toMatch(/#\/search\?.*chaos=delay/);
    expect(url('waterfall')).toMatch(/#\/compare\?only=chaos$/);
    expect(url('Service map')).toMatch(/#\/map\b/);
    expect(url('app.user_handle')).toMatch(/#\/latency\?by=app\.user_handle/);
    expect(url('Grouped error')).toMatch(/#\/issues\/rollbar-[0-9a-f]{8}$/);
    expect(url('log lines')).toMatch(/#\/logs\?/);
  });

  it('quotes the start-up lines the adapters print', () => {
    const options = { serviceName: 'activities', sandboxUrl: 'http://127.0.0.1:4400' };
    const honeycomb = resolveHoneycombExport({ ...options, env: {} }).destination;
    expect(doc).toContain(`\`adapter honeycomb → ${honeycomb.kind}: ${honeycomb.endpoint}\``);
    // The sandbox plays the daemon even when the shell sets AWS_REGION: the line must not say AWS X-Ray.
    const xray = resolveXraySettings({
      ...options,
      env: { AWS_REGION: 'us-east-1', [SANDBOX_AGENT_VARS.xray]: '127.0.0.1:2000' },
    }).destination;
    expect(doc).toContain(`\`adapter xray → ${xray.kind}: ${xray.endpoint}\``);
  });
});
