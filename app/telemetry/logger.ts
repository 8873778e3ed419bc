/**
 * One structured logger (winston, JSON lines on stdout). Every entry is stamped with the trace ids of every
 * active adapter, then handed to the adapters that ship logs, so a CloudWatch line links back to its trace.
 */
import winston from 'winston';
import Transport from 'winston-transport';
import type { LogEntry } from '../../adapters/types';
import type { Telemetry } from './facade';

export type Logger = winston.Logger;

/** Forwards each entry to the telemetry facade (the CloudWatch adapter's winston transport sits behind it). */
class AdapterTransport extends Transport {
  constructor(private readonly telemetry: Telemetry) {
    super();
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const { level, message, timestamp: _t, ...fields } = info as Record<string, unknown>;
    const entry: LogEntry = {
      level: (['debug', 'info', 'warn', 'error'].includes(String(level))
        ? level
        : 'info') as LogEntry['level'],
      message: String(message),
      fields,
      timestamp: Date.now(),
    };
    this.telemetry.forwardLog(entry);
    callback();
  }
}

export function createLogger(options: {
  service: string;
  level: string;
  telemetry: Telemetry;
  /** Tests and the load harness silence stdout; the adapters still get every entry. */
  silent?: boolean;
}): Logger {
  const { telemetry } = options;
  // Nobody reads the lines when stdout is quiet and no adapter ships logs: skip the work on the hot path.
  const unread = (options.silent ?? false) && !telemetry.adapters.some((a) => typeof a.log === 'function');
  // Ids passed explicitly (captured while the request's span was active) win over the ambient context.
  const stampTraceIds = winston.format((info) => ({ ...telemetry.traceContext(), ...info }));
  return winston.createLogger({
    level: options.level,
    silent: unread,
    defaultMeta: { service: options.service },
    format: winston.format.combine(stampTraceIds(), winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.Console({ silent: options.silent ?? false }),
      new AdapterTransport(telemetry),
    ],
  });
}
