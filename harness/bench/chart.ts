/**
 * The bench chart: four small bar charts (mixed req/s with the min–max range over rounds, light-route req/s,
 * server CPU ms per request, vendor bytes per request) as inline SVG in one HTML page, rendered to PNG by a
 * local headless Chromium through playwright-core. No network: the page has no external resources.
 */
import { writeFileSync } from 'node:fs';
import { launchChromium } from '../browser';
import type { ArmResult, BenchReport } from './types';

interface Panel {
  title: string;
  value(arm: ArmResult): number | null;
  range?(arm: ArmResult): [number, number] | null;
  format(v: number): string;
}

const PANELS: Panel[] = [
  {
    title: 'Mixed routes: req/s (median, bar = min–max over rounds)',
    value: (a) => a.rpsMedian,
    range: (a) => (a.rpsMin === null || a.rpsMax === null ? null : [a.rpsMin, a.rpsMax]),
    format: (v) => v.toFixed(0),
  },
  { title: 'Light route only: req/s', value: (a) => a.lightRpsMedian, format: (v) => v.toFixed(0) },
  {
    title: 'Server CPU ms per request (both services)',
    value: (a) => a.cpuMsPerRequest,
    format: (v) => v.toFixed(3),
  },
  {
    title: 'Bytes sent to the vendor per request',
    value: (a) => a.bytesPerRequest,
    format: (v) => v.toFixed(0),
  },
];

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

function colorOf(arm: ArmResult): string {
  if (!arm.valid) return '#bbbbbb';
  if (arm.name === 'bare') return '#6b7280';
  if (arm.name === 'none') return '#2563eb';
  return '#f59e0b';
}

function panelSvg(panel: Panel, arms: ArmResult[]): string {
  const rowH = 28;
  const labelW = 100;
  const barW = 380;
  const top = 34;
  const height = top + arms.length * rowH + 10;
  const values = arms.map((a) => panel.range?.(a)?.[1] ?? panel.value(a) ?? 0);
  const max = Math.max(...values, 1e-9);
  const x = (v: number) => labelW + (v / max) * barW;
  const rows = arms.map((arm, i) => {
    const y = top + i * rowH;
    const v = panel.value(arm);
    const label = `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${escapeXml(arm.name)}</text>`;
    if (v === null) return `${label}<text x="${labelW + 4}" y="${y + 17}" fill="#999">no data</text>`;
    const bar = `<rect x="${labelW}" y="${y + 4}" width="${Math.max(1, x(v) - labelW)}" height="${rowH - 10}" fill="${colorOf(arm)}"/>`;
    const range = panel.range?.(arm);
    const whisker = range
      ? `<line x1="${x(range[0])}" x2="${x(range[1])}" y1="${y + 13}" y2="${y + 13}" stroke="#111" stroke-width="2"/>`
      : '';
    const note = arm.valid ? '' : ' (invalid)';
    const text = `<text x="${x(range?.[1] ?? v) + 6}" y="${y + 17}">${panel.format(v)}${note}</text>`;
    return label + bar + whisker + text;
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + barW + 110}" height="${height}">` +
    `<text x="0" y="18" font-weight="bold">${escapeXml(panel.title)}</text>${rows.join('')}</svg>`
  );
}

/** The chart as a self-contained HTML page. */
export function chartHtml(report: BenchReport): string {
  const m = report.machine;
  const s = report.settings;
  const caption =
    `${escapeXml(m.model)} · ${m.cpus} cores · Node ${m.node} · ${s.rounds} round(s) × ${s.durationS} s, ` +
    `${s.connections} connections · load avg ${m.loadAverage.start.toFixed(1)} · ${escapeXml(s.pinning.description)}`;
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;padding:16px 16px 24px;font:13px/1.3 system-ui,sans-serif;background:#fff;color:#111;width:1240px}
h1{font-size:18px;margin:0 0 4px} p{margin:0 0 12px;color:#444}
#chart{padding-bottom:12px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px} svg text{font:12px system-ui,sans-serif}
</style></head><body><div id="chart"><h1>bakeoff bench: what each vendor's instrumentation costs</h1>
<p>${caption}</p><div class="grid">${PANELS.map((p) => panelSvg(p, report.arms)).join('')}</div></div></body></html>`;
}

/** Renders the chart to `pngPath` with a local Chromium. */
export async function renderChartPng(report: BenchReport, pngPath: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
    await page.setContent(chartHtml(report), { waitUntil: 'load' });
    await page.locator('#chart').screenshot({ path: pngPath });
  } finally {
    await browser.close();
  }
}

/** Writes the HTML next to the PNG too, so the chart can be viewed where Chromium isn't available. */
export function writeChartHtml(report: BenchReport, htmlPath: string): void {
  writeFileSync(htmlPath, chartHtml(report));
}
