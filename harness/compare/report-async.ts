/** The report's "Async" section: the notifications hop per vendor (figures from harness/compare/async.ts). */
import type { VendorMetrics } from './metrics';
import type { CompareResult } from './run';

type Table = (head: string[], rows: string[][]) => string;

const NO_TRACES = '— (no traces)';
const count = (v: number | null) => (v === null ? NO_TRACES : String(v));

function kilobytes(bytes: number, messages: number): string {
  const kB = `${(bytes / 1000).toFixed(1)} kB`;
  return messages > 0 ? `${kB} (${Math.round(bytes / messages)} B/message)` : kB;
}

/** An error tracker's data holds failed deliveries only: a retry that worked leaves nothing to see. */
function retriesCell(m: VendorMetrics, a: NonNullable<VendorMetrics['async']>): string {
  const errorsOnly = !m.signals.includes('traces') && !m.signals.includes('logs');
  return `${a.redeliveries} / ${a.retries}${errorsOnly ? ' (failed ones only: no success records)' : ''}`;
}

export function asyncSection(result: CompareResult, table: Table): string {
  const rows = Object.entries(result.vendors).flatMap(([name, m]) => {
    const a = m.async;
    if (!a) return [];
    const connected = a.sameTrace === null ? NO_TRACES : `${a.sameTrace} / ${a.linked} / ${a.unconnected}`;
    return [
      [
        `**${name}**`,
        `${a.notifying} / ${count(a.sent)} / ${a.processed}`,
        connected,
        a.queueDelayMsP50 === null ? (a.sameTrace === null ? NO_TRACES : '—') : `${a.queueDelayMsP50} ms`,
        a.awsCallsCaptured === 0
          ? `none${a.sameTrace === null ? ', no tracing' : ''}`
          : `${a.awsCallsCaptured} (${a.awsOperations.join(', ')})`,
        retriesCell(m, a),
        `${a.dlq.moved} / ${a.dlq.failedVisible}`,
        kilobytes(a.bytes, a.notifying),
        a.mentions === null ? '—' : `${a.mentions.found} / ${a.mentions.expected}`,
      ],
    ];
  });
  if (rows.length === 0) return '';
  return `## Async: the notifications queue

Every create and reply that succeeds sends an SQS message; the \`notifications\` worker handles it. The compare
scenario fails some of the worker's deliveries (seeded, the same for every vendor), and compare's queue hides a
failed message for 1 s and dead-letters it at the next receive after 2 failed ones, so retries and the DLQ
happen within the run. **Messages** is what the app sent (successful creates and replies) / what the vendor
recorded being sent (producer spans) / what it recorded being handled successfully (consumer spans not in error,
or for vendors without traces the messages among the worker's non-error records). **Consumer work** is, per
message sent, consumer work in the request's trace / only linked to it / neither. **Queue delay** is the first
delivery's start minus the producer span's end. **Retries** is the redeliveries the queue made (the emulator counts them) / the
redeliveries the vendor's data shows (a receive count above 1). **DLQ** is the messages the emulator moved to the
dead-letter queue / those the vendor's data shows failing (an error, error span or error line naming the
message). **Worker bytes** is the telemetry the worker process sent this vendor, apart from the two HTTP
services (it is also inside the Cost table's bytes per request). **@mentions** is, of the mentions in the
workload's creates and replies whose message was not dead-lettered, how many the worker's notifications API
holds.

${table(
  [
    'vendor',
    'messages: app / sent / handled',
    'consumer work: same trace / linked / unconnected',
    'queue delay (p50)',
    'AWS SDK calls captured',
    'retries: app / visible',
    'DLQ: moved / shown failed',
    'worker bytes',
    '@mentions notified',
  ],
  rows,
)}
`;
}
