import { toInt } from './otlp-values';

/**
 * An OTLP log record's severity → one of the sandbox's levels (trace, debug, info, warn, error, fatal).
 * https://opentelemetry.io/docs/specs/otel/logs/data-model/#field-severitynumber
 */

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

/**
 * `severityText` is "the original string representation as known at the source", so it carries each
 * framework's own words; these are the common ones (.NET, Java util.logging, Python, syslog, log4j).
 */
const TEXT_LEVELS: Record<string, (typeof LEVELS)[number]> = {
  trace: 'trace',
  verbose: 'trace',
  finest: 'trace',
  finer: 'trace',
  fine: 'debug',
  config: 'debug',
  debug: 'debug',
  info: 'info',
  information: 'info',
  informational: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  err: 'error',
  error: 'error',
  severe: 'error',
  crit: 'fatal',
  critical: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
  fatal: 'fatal',
  panic: 'fatal',
};

/** `SEVERITY_NUMBER_WARN3` as the OTLP/JSON mapping may write the enum: its base name and step. */
const ENUM_NAME = /^(?:SEVERITY_NUMBER_)?([A-Z]+)([2-4])?$/;

/**
 * SeverityNumber as sent: an int, a numeric string, a protobuf Long, or the enum's name (ProtoJSON writes enum
 * names unless told otherwise). 0 when absent or unknown.
 */
export function severityNumber(v: unknown): number {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const m = ENUM_NAME.exec(v.trim().toUpperCase());
    const base = m ? LEVELS.indexOf(m[1].toLowerCase() as (typeof LEVELS)[number]) : -1;
    return base < 0 ? 0 : base * 4 + (m![2] ? Number(m![2]) : 1);
  }
  return toInt(v);
}

/**
 * The number is the normalised severity (1-4 trace … 21-24 fatal), so it wins when set; otherwise the text is
 * mapped through the common spellings (`Information` → info, `WARNING` → warn). Unknown text is kept,
 * lower-cased; no severity at all reads as info.
 */
export function levelOf(text: unknown, number: unknown): string {
  const n = severityNumber(number);
  if (n >= 1 && n <= 24) return LEVELS[Math.floor((n - 1) / 4)];
  if (typeof text !== 'string' || text.trim() === '') return 'info';
  const word = text.trim().toLowerCase();
  return TEXT_LEVELS[word] ?? TEXT_LEVELS[word.replace(/\d+$/, '')] ?? word;
}
