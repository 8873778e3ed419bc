/**
 * The JSON lines the CloudWatch adapter ships. CloudWatch stores only `{timestamp, message}`, so all structure
 * lives in the message: flat dotted keys (`bakeoff.run_id`, `trace_id`, `error.type`) that Logs Insights
 * discovers as fields.
 */
import type { ErrorContext, LogEntry } from './types';

export type Line = Record<string, unknown>;

/** A request log entry: level, message and time first, then every field the app (and the tracers) stamped. */
export function logLine(entry: LogEntry): Line {
  const line: Line = {
    level: entry.level,
    message: entry.message,
    timestamp: new Date(entry.timestamp).toISOString(),
  };
  for (const [key, value] of Object.entries(entry.fields)) if (!(key in line)) line[key] = value;
  return line;
}

/** A captured error: type, message and stack, the request it broke, and its correlation attributes. */
export function errorLine(error: Error, context: ErrorContext, service: string): Line {
  const line: Line = {
    level: context.level === 'warning' ? 'warn' : 'error',
    message: `${error.name}: ${error.message}`,
    timestamp: new Date().toISOString(),
    service,
    'error.type': error.name,
    'error.message': error.message,
    'error.stack': error.stack,
  };
  if (context.request) {
    line['http.request.method'] = context.request.method;
    line['url.path'] = context.request.url;
    if (context.request.route) line['http.route'] = context.request.route;
  }
  if (context.handle) line['user.handle'] = context.handle;
  return { ...line, ...context.attributes };
}

/** `JSON.stringify` that never throws: Errors keep their name/message/stack, bigints become strings. */
export function toJsonLine(info: Line): string {
  try {
    return JSON.stringify(info, (_key, value: unknown) => {
      if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
      if (typeof value === 'bigint') return value.toString();
      return value;
    });
  } catch {
    // A cycle in some field: keep the line, lose the fields.
    return JSON.stringify({
      level: info.level,
      message: String(info.message),
      'bakeoff.log_error': 'unserializable fields',
    });
  }
}
