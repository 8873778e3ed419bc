/** The bench's stdout table: one row per arm, fixed-width, with what made a run invalid underneath. */
import type { ArmResult, BenchReport } from './types';

const fixed = (v: number | null, digits = 0) => (v === null ? '–' : v.toFixed(digits));
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

const COLUMNS: Array<{ title: string; cell(a: ArmResult): string }> = [
  { title: 'arm', cell: (a) => a.name },
  { title: 'req/s med', cell: (a) => fixed(a.rpsMedian) },
  { title: 'min–max', cell: (a) => (a.rpsMin === null ? '–' : `${fixed(a.rpsMin)}–${fixed(a.rpsMax)}`) },
  { title: '÷none', cell: (a) => pct(a.ratioToNone) },
  { title: '÷bare', cell: (a) => pct(a.ratioToBare) },
  { title: 'light req/s', cell: (a) => fixed(a.lightRpsMedian) },
  { title: 'light ÷bare', cell: (a) => pct(a.lightRatioToBare) },
  { title: 'light CPU ms/req', cell: (a) => fixed(a.lightCpuMsPerRequest, 3) },
  { title: 'p50 ms', cell: (a) => fixed(a.p50Ms, 1) },
  { title: 'p97.5 ms', cell: (a) => fixed(a.p97_5Ms, 1) },
  { title: 'p99 ms', cell: (a) => fixed(a.p99Ms, 1) },
  { title: 'CPU ms/req', cell: (a) => fixed(a.cpuMsPerRequest, 3) },
  { title: 'RSS MB', cell: (a) => fixed(a.rssMb, 0) },
  { title: 'B/req', cell: (a) => fixed(a.bytesPerRequest, 0) },
  { title: 'valid', cell: (a) => (a.valid ? 'yes' : 'NO') },
];

export function formatTable(report: BenchReport): string {
  const rows = report.arms.map((arm) => COLUMNS.map((c) => c.cell(arm)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const out = [
    line(COLUMNS.map((c) => c.title)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ];
  for (const arm of report.arms.filter((a) => !a.valid)) {
    out.push(`! ${arm.name} is INVALID: ${arm.invalidReasons.join('; ')}`);
  }
  for (const skip of report.skipped) out.push(`- ${skip.name} skipped: ${skip.reason}`);
  out.push(`noise: ${report.noise.message}`);
  return `${out.join('\n')}\n`;
}
