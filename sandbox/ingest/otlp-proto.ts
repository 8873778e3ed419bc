import path from 'node:path';
import protobuf from 'protobufjs';
import { readTraceRequest } from './otlp-wire';

/**
 * The OTLP protobuf messages, loaded once from the minimal .proto files in sandbox/proto (copied next to the
 * compiled code by the build, so the same relative path works from sources and from dist/).
 */
const PROTO_DIR = path.join(__dirname, '..', 'proto');

let loaded: { traces: protobuf.Type; logs: protobuf.Type } | undefined;

function messages(): { traces: protobuf.Type; logs: protobuf.Type } {
  if (loaded) return loaded;
  const root = new protobuf.Root();
  // Imports inside the files are bare names; resolve every one against PROTO_DIR.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, path.basename(target));
  root.loadSync(['trace_service.proto', 'logs_service.proto']);
  loaded = {
    traces: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    logs: root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  };
  return loaded;
}

/**
 * Decodes an ExportTraceServiceRequest straight into span records (otlp-wire.ts, the hot path), which
 * `tracesToBatch` takes as it is. Throws on malformed input.
 */
export function decodeTraceRequest(body: Uint8Array): { resourceSpans?: unknown[] } {
  return readTraceRequest(body);
}

/**
 * The same request as protobufjs message objects: present fields are own properties (camelCase), 64-bit
 * integers are `Long`, bytes are Uint8Array. otlp-values.ts reads that shape and the OTLP/JSON shape alike; the
 * tests hold otlp-wire.ts to what `tracesToBatch` makes of it. Throws on malformed input.
 */
export function decodeTraceMessage(body: Uint8Array): { resourceSpans?: unknown[] } {
  return messages().traces.decode(body) as unknown as { resourceSpans?: unknown[] };
}

/** Decodes an ExportLogsServiceRequest (same conventions as decodeTraceMessage). */
export function decodeLogsRequest(body: Uint8Array): { resourceLogs?: unknown[] } {
  return messages().logs.decode(body) as unknown as { resourceLogs?: unknown[] };
}
