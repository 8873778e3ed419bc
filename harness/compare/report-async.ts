/** The report's "Async" section: the notifications hop per vendor (figures from harness/compare/async.ts). */
import type { CompareResult } from './run';

type Table = (head: string[], rows: string[][]) => string;

const count = (v: number | null) => (v === null ? '— (no traces)' : String(v));

export function asyncSection(result: CompareResult, table: Table): string {
  const rows = Object.entries(result.vendors).flatMap(([name, m]) => {
    const a = m.async;
    if (!a) return [];
    const connected =
      a.sameTrace === null ? '— (no traces)' : `${a.sameTrace} / ${a.linked} / ${a.unconnected}`;
    return [
      [
        `**${name}**`,
        `${a.notifying} / ${count(a.sent)} / ${a.processed}`,
        connected,
        a.queueDelayMsP50 === null ? '—' : `${a.queueDelayMsP50} ms`,
        a.awsCallsCaptured === 0 ? 'none' : `${a.awsCallsCaptured} (${a.awsOperations.join(', ')})`,
        a.sameTrace === null ? '—' : String(a.retriesVisible),
      ],
    ];
  });
  if (rows.length === 0) return '';
  return `## Async: the notifications queue

Every create and reply that succeeds sends an SQS message; the \`notifications\` worker handles it. **Messages**
is what the app sent (successful creates and replies) / what the vendor recorded being sent (producer spans) /
what it recorded being handled (consumer spans, or for vendors without traces the worker's records carrying the
request's run id). **Consumer work** is the handled messages in the request's trace / linked to it / neither (a
message sent but never connected). **Queue delay** is the consumer span's start minus the producer span's end.
Retries are consumer spans of a redelivered message; the dead-letter queue is not exercised by this workload
(see docs/async.md). The async hop's bytes are inside the Cost table's bytes per request.

${table(
  [
    'vendor',
    'messages: app / sent / handled',
    'consumer work: same trace / linked / unconnected',
    'queue delay (p50)',
    'AWS SDK calls captured',
    'retries visible',
  ],
  rows,
)}
`;
}
