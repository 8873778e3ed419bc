import path from 'node:path';
import protobuf from 'protobufjs';

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
 * Decodes an ExportTraceServiceRequest. The result is protobufjs message objects: present fields are own
 * properties (camelCase), 64-bit integers are `Long`, bytes are Uint8Array. otlp-values.ts reads that shape
 * and the OTLP/JSON shape alike. Throws on malformed input.
 */
export function decodeTraceRequest(body: Uint8Array): { resourceSpans?: unknown[] } {
  return messages().traces.decode(body) as unknown as { resourceSpans?: unknown[] };
}

/** Decodes an ExportLogsServiceRequest (same conventions as decodeTraceRequest). */
export function decodeLogsRequest(body: Uint8Array): { resourceLogs?: unknown[] } {
  return messages().logs.decode(body) as unknown as { resourceLogs?: unknown[] };
}
