/** Writes the report card: report.json (DESIGN §3's shape), report.md and a self-contained report.html. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type AdapterName, VENDORS } from '../../vendors';
import { BASELINE } from './latency-noise';
import { type VendorMetrics, verdict } from './metrics';
import { asyncSection } from './report-async';
import { latencySection, vsNoneText } from './report-latency';
import type { CompareResult } from './run';

export interface Screenshot {
  title: string;
  /** Relative to the report's directory. */
  file: string;
}

export interface ReportInput {
  result: CompareResult;
  command: string;
  machine: string;
  screenshots: Screenshot[];
}

const fmt = (v: number | null | undefined, unit = '') =>
  v === null || v === undefined ? '—' : `${v}${unit}`;

/** The baseline sends nothing: its error and delivery cells say so instead of reading as a failure. */
const NOT_APPLICABLE = '— (baseline)';

/**
 * Time to visible, marked when negative: the sandbox's receive time and the client's response end are both read
 * from this machine's clock, so a negative figure is real ordering (the data left before the response arrived).
 */
export function timeToVisibleText(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 0 ? `≈ 0 ms (${ms} ms: sent before the response)` : `${ms} ms`;
}

const TIME_TO_VISIBLE_NOTE =
  "Time to visible is when the sandbox first received a request's trace minus when the client had the whole " +
  "response, both read from this machine's clock. A negative figure means the data arrived before the response " +
  'did: X-Ray sends each segment over UDP as it closes, while the response is still on its way to the client.';

/** `Sentry as release, Datadog as version, …`: where each compared vendor was told the run's release. */
function releaseSettings(names: readonly string[]): string {
  const told = names.flatMap((name) => {
    const manifest = VENDORS[name as AdapterName];
    return manifest?.release ? [`${manifest.label} as ${manifest.release.setting}`] : [];
  });
  const silent = names.filter((name) => name !== 'none' && !VENDORS[name as AdapterName]?.release);
  return [
    told.length > 0 ? `told to ${told.join(', ')}` : 'told to no vendor',
    ...(silent.length > 0 ? [`(${silent.join(', ')}: no release field)`] : []),
  ].join(' ');
}

export function reportJson(result: CompareResult) {
  return {
    runId: result.runId,
    seed: result.seed,
    scenario: result.scenario,
    workload: result.workload,
    requests: result.requests,
    release: result.release,
    startedAt: result.startedAt,
    wallMs: result.wallMs,
    vendors: result.vendors,
    latencyRanking: result.latencyRanking,
    interop: result.interop,
  };
}

/** One row per direction: does the callee's service continue the caller's trace? */
function interopSection(result: CompareResult): string {
  if (!result.interop?.length) return '';
  return `
## Mixed services: one service on each SDK

Activities under the first vendor, users under the second, ${result.interop[0].requests} home-feed requests each
way: the requests whose users-service spans carry the caller's trace id and hang off the caller's call.

${table(
  ['activities → users', 'continued'],
  result.interop.map((r) => [`${r.caller} → ${r.callee}`, `${r.continued}/${r.requests}`]),
)}
`;
}

/** `36 (4 per error)`: how many native records the vendor sent for its occurrences. */
function recordsText(records: number | null, occurrences: number): string {
  if (records === null) return '—';
  if (occurrences === 0 || records === occurrences) return String(records);
  return `${records} (${Math.round((records / occurrences) * 10) / 10} per error)`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function verdictTable(result: CompareResult): string {
  return table(
    ['vendor', 'signals', 'captures', 'misses', 'p50 latency (vs none)'],
    Object.entries(result.vendors).map(([name, m]) => {
      const v = verdict(m);
      return [
        `**${name}**`,
        m.signals.join(', ') || '—',
        v.captures.join('; ') || '—',
        v.misses.join('; ') || '—',
        `${fmt(m.latencyMsP50, ' ms')} (${vsNoneText(name, m)})`,
      ];
    }),
  );
}

export function reportMarkdown({ result, command, machine, screenshots }: ReportInput): string {
  const vendors = Object.entries(result.vendors);
  const rows = (pick: (m: VendorMetrics, name: string) => string[]) =>
    vendors.map(([n, m]) => [n, ...pick(m, n)]);
  const attributeKeys = Object.keys(vendors[0]?.[1].attributesKept ?? {});
  return `# bakeoff comparison — run \`${result.runId}\`

${result.requests} requests per vendor, workload \`${result.workload}\`, chaos scenario \`${result.scenario}\`,
seed ${result.seed}. Started ${result.startedAt}; wall time ${(result.wallMs / 1000).toFixed(1)} s.
Release \`${result.release}\` (\`BAKEOFF_RELEASE\`) for every vendor, ${releaseSettings(vendors.map(([n]) => n))}.

- Command: \`${command}\`
- Machine: ${machine}

Every figure below is computed from what the sandbox received (and, for latency, what the load generator
saw) — nothing is assumed from what an SDK is documented to do.

## Verdict

${verdictTable(result)}

## Delivery

${table(
  ['vendor', 'delivered / expected', 'spans per request', 'users service in the same trace', 'log lines'],
  rows((m, n) => [
    n === BASELINE ? NOT_APPLICABLE : `${m.delivered} / ${m.expected}`,
    fmt(m.spansPerRequest),
    m.crossServiceLinked === null ? '—' : `${Math.round(m.crossServiceLinked * 100)}%`,
    String(m.logLines),
  ]),
)}

${asyncSection(result, table)}

## Errors

One error per occurrence, counted by the rule the sandbox's Errors view applies (close to how each vendor's
console groups them; see \`docs/architecture.md\`). **Native records** is what the vendor actually sent for those
occurrences — dd-trace tags every span an error passes through, X-Ray can copy a fault's cause onto each
subsegment — a fidelity fact, not extra errors.

${table(
  ['vendor', 'captured / injected', 'native records', 'with stack frames', 'linked to a trace'],
  rows((m, n) =>
    n === BASELINE || m.errorsCaptured === null
      ? [NOT_APPLICABLE, '—', '—', '—']
      : [
          `${m.errorsCaptured} / ${m.errorsInjected}`,
          recordsText(m.errorRecords, m.errorsCaptured),
          fmt(m.errorsWithFrames),
          fmt(m.errorsLinkedToTrace),
        ],
  ),
)}

## Timing fidelity

Recorded duration of each \`chaos.latency\` span minus the delay actually injected.

${table(
  ['vendor', 'p50 error', 'p99 error'],
  rows((m) => [fmt(m.timingErrorMsP50, ' ms'), fmt(m.timingErrorMsP99, ' ms')]),
)}

## Latency

${latencySection(vendors, result.latencyRanking, table)}

## Cost

${table(
  ['vendor', 'bytes per request', 'payloads per request', 'time to visible (p50)'],
  rows((m) => [
    String(m.bytesPerRequest),
    String(m.payloadsPerRequest),
    timeToVisibleText(m.timeToVisibleMsP50),
  ]),
)}
${vendors.some(([, m]) => (m.timeToVisibleMsP50 ?? 0) < 0) ? `\n${TIME_TO_VISIBLE_NOTE}\n` : ''}

## Attributes: which facade keys survived, and under what native name

${table(
  ['key', ...vendors.map(([n]) => n)],
  attributeKeys.map((key) => [
    `\`${key}\``,
    ...vendors.map(([, m]) => (m.attributesKept[key] ? `\`${m.attributesKept[key]}\`` : '—')),
  ]),
)}

## Propagation headers on the call to the users service

${table(
  ['vendor', 'headers'],
  rows((m) => [m.propagationHeaders.map((h) => `\`${h}\``).join(' ') || '—']),
)}
${interopSection(result)}${
    screenshots.length > 0
      ? `\n## Screenshots\n\n${screenshots.map((s) => `### ${s.title}\n\n![${s.title}](${s.file})`).join('\n\n')}\n`
      : ''
  }`;
}

/** A minimal Markdown → HTML for our own tables, headings, lists and images; embeds images as data URIs. */
export function reportHtml(markdown: string, dir: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const inline = (s: string) =>
    esc(s)
      .replace(/`([^`]+)`/g, '<code>$1</code>')
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
  const out: string[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const image = line.match(/^!\[([^\]]*)\]\(([^)]+)\)$/);
    if (line.startsWith('|')) {
      const block: string[] = [];
      while (i < lines.length && lines[i].startsWith('|')) block.push(lines[i++]);
      i--;
      const cells = (l: string) =>
        l
          .slice(1, -1)
          .split(' | ')
          .map((c) => c.trim());
      const [head, , ...body] = block;
      out.push(
        `<table><thead><tr>${cells(head)
          .map((c) => `<th>${inline(c)}</th>`)
          .join('')}</tr></thead><tbody>${body
          .map(
            (r) =>
              `<tr>${cells(r)
                .map((c) => `<td>${inline(c)}</td>`)
                .join('')}</tr>`,
          )
          .join('')}</tbody></table>`,
      );
    } else if (image) {
      const data = readFileSync(path.join(dir, image[2])).toString('base64');
      out.push(`<img alt="${esc(image[1])}" src="data:image/png;base64,${data}">`);
    } else if (/^#{1,3} /.test(line)) {
      const level = line.indexOf(' ');
      out.push(`<h${level}>${inline(line.slice(level + 1))}</h${level}>`);
    } else if (line.startsWith('- ')) {
      out.push(`<li>${inline(line.slice(2))}</li>`);
    } else if (line.trim()) {
      out.push(`<p>${inline(line)}</p>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bakeoff comparison</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#1d2433}
table{border-collapse:collapse;margin:1rem 0;width:100%}th,td{border:1px solid #d8dde8;padding:.35rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f5f9}code{background:#f3f5f9;padding:0 .25rem;border-radius:3px;font-size:.9em}
img{max-width:100%;border:1px solid #d8dde8;border-radius:6px;margin:.5rem 0}h1{font-size:1.6rem}h2{margin-top:2rem}
</style></head><body>${out.join('\n')}</body></html>\n`;
}

export function writeReport(dir: string, input: ReportInput): { json: string; md: string; html: string } {
  const json = path.join(dir, 'report.json');
  const md = path.join(dir, 'report.md');
  const html = path.join(dir, 'report.html');
  writeFileSync(json, `${JSON.stringify(reportJson(input.result), null, 2)}\n`);
  const markdown = reportMarkdown(input);
  writeFileSync(md, markdown);
  writeFileSync(html, reportHtml(markdown, dir));
  return { json, md, html };
}
