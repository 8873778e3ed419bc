/** Writes the report card: report.json (DESIGN §3's shape), report.md and a self-contained report.html. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type VendorMetrics, verdict } from './metrics';
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

/** p50 latency relative to the `none` run of the same compare, e.g. `+4.1%`. */
export function overhead(m: VendorMetrics, baseline: VendorMetrics | undefined): string {
  if (!baseline?.latencyMsP50 || m.latencyMsP50 === null) return '—';
  const pct = (m.latencyMsP50 / baseline.latencyMsP50 - 1) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

export function reportJson(result: CompareResult) {
  return {
    runId: result.runId,
    seed: result.seed,
    scenario: result.scenario,
    workload: result.workload,
    requests: result.requests,
    startedAt: result.startedAt,
    wallMs: result.wallMs,
    vendors: result.vendors,
  };
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function verdictTable(result: CompareResult): string {
  const baseline = result.vendors.none;
  return table(
    ['vendor', 'signals', 'captures', 'misses', 'p50 latency (vs none)'],
    Object.entries(result.vendors).map(([name, m]) => {
      const v = verdict(m);
      return [
        `**${name}**`,
        m.signals.join(', ') || '—',
        v.captures.join('; ') || '—',
        v.misses.join('; ') || '—',
        `${fmt(m.latencyMsP50, ' ms')} (${name === 'none' ? 'baseline' : overhead(m, baseline)})`,
      ];
    }),
  );
}

export function reportMarkdown({ result, command, machine, screenshots }: ReportInput): string {
  const vendors = Object.entries(result.vendors);
  const baseline = result.vendors.none;
  const rows = (pick: (m: VendorMetrics, name: string) => string[]) =>
    vendors.map(([n, m]) => [n, ...pick(m, n)]);
  const attributeKeys = Object.keys(vendors[0]?.[1].attributesKept ?? {});
  return `# bakeoff comparison — run \`${result.runId}\`

${result.requests} requests per vendor, workload \`${result.workload}\`, chaos scenario \`${result.scenario}\`,
seed ${result.seed}. Started ${result.startedAt}; wall time ${(result.wallMs / 1000).toFixed(1)} s.

- Command: \`${command}\`
- Machine: ${machine}

Every figure below is computed from what the sandbox received (and, for latency, what the load generator
saw) — nothing is assumed from what an SDK is documented to do.

## Verdict

${verdictTable(result)}

## Delivery

${table(
  ['vendor', 'delivered / expected', 'spans per request', 'users service in the same trace', 'log lines'],
  rows((m) => [
    `${m.delivered} / ${m.expected}`,
    fmt(m.spansPerRequest),
    m.crossServiceLinked === null ? '—' : `${Math.round(m.crossServiceLinked * 100)}%`,
    String(m.logLines),
  ]),
)}

## Errors

${table(
  ['vendor', 'captured / injected', 'with stack frames', 'linked to a trace'],
  rows((m) => [
    `${m.errorsCaptured} / ${m.errorsInjected}`,
    String(m.errorsWithFrames),
    String(m.errorsLinkedToTrace),
  ]),
)}

## Timing fidelity

Recorded duration of each \`chaos.latency\` span minus the delay actually injected.

${table(
  ['vendor', 'p50 error', 'p99 error'],
  rows((m) => [fmt(m.timingErrorMsP50, ' ms'), fmt(m.timingErrorMsP99, ' ms')]),
)}

## Cost

${table(
  [
    'vendor',
    'bytes per request',
    'payloads per request',
    'time to visible (p50)',
    'p50 / p99 latency',
    'p50 vs none',
  ],
  rows((m, n) => [
    String(m.bytesPerRequest),
    String(m.payloadsPerRequest),
    fmt(m.timeToVisibleMsP50, ' ms'),
    `${fmt(m.latencyMsP50, ' ms')} / ${fmt(m.latencyMsP99, ' ms')}`,
    n === 'none' ? 'baseline' : overhead(m, baseline),
  ]),
)}

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
${
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
