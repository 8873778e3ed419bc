import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import type { IngestSink, PayloadMeta } from '../model';
import { type BindAddress, type Count, defineIngestModule, type Listening } from './module';
import { handleSamplingRequest } from './xray-sampling';
import {
  documentToBatch,
  invalidReason,
  segmentContext,
  unknownContext,
  type XrayContext,
  type XrayDocument,
} from './xray-segment';

/** Options for the X-Ray daemon emulation. */
export interface XrayDaemonOptions {
  /** Interface to bind (UDP and TCP). */
  host: string;
  /** Port for both UDP segments and the TCP sampling API; 0 picks a free one shared by both. */
  port: number;
  sink: IngestSink;
  /**
   * How long an in-progress document or a streamed subsegment whose segment hasn't been seen yet waits to be
   * completed/stitched before it is stored as is. Default 30 000 ms.
   */
  holdMs?: number;
}

export interface XrayDaemonStats {
  /** UDP datagrams received. */
  datagrams: number;
  /** Segment/subsegment documents accepted (each may hold nested subsegments). */
  documents: number;
  /** Datagrams refused: bad header, bad JSON, not a segment document. */
  rejected: number;
  lastRejection: string | null;
  /** Documents waiting for their segment or their completed version. */
  held: number;
}

export interface XrayDaemon {
  port: number;
  stats(): XrayDaemonStats;
  close(): Promise<void>;
}

const HEADER_FORMAT = 'json';
const HEADER_VERSION = 1;
/**
 * Ids remembered to give streamed subsegments their segment's service, and ids already stored complete (so a
 * late in-progress copy is dropped); each bounded so memory stays flat.
 */
const MAX_REMEMBERED_IDS = 200_000;

interface Pending {
  doc: XrayDocument;
  meta: PayloadMeta;
  since: number;
}

/**
 * X-Ray daemon on one port: UDP `{"format":"json","version":1}\n{segment}` datagrams
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon) and the TCP
 * sampling API. Streamed subsegments arrive before their segment, carrying only trace_id and parent_id, so the
 * daemon holds them until the enclosing segment tells it which service they belong to.
 */
export async function startXrayDaemon(opts: XrayDaemonOptions): Promise<XrayDaemon> {
  const { sink } = opts;
  const holdMs = opts.holdMs ?? 30_000;
  const stats: XrayDaemonStats = { datagrams: 0, documents: 0, rejected: 0, lastRejection: null, held: 0 };
  const contexts = new Map<string, XrayContext>();
  /** Streamed subsegments keyed by the parent id they wait for. */
  const orphans = new Map<string, Pending[]>();
  /** In-progress documents keyed by their own id, replaced when the completed one arrives. */
  const inProgress = new Map<string, Pending>();
  /** Ids stored with an end time: an in-progress datagram for one of them arrived out of order. */
  const completed = new Set<string>();

  const countHeld = () => {
    let n = inProgress.size;
    for (const list of orphans.values()) n += list.length;
    stats.held = n;
  };

  const remember = (id: string, context: XrayContext) => {
    contexts.set(id, context);
    if (contexts.size > MAX_REMEMBERED_IDS) contexts.delete(contexts.keys().next().value as string);
  };

  const emit = (doc: XrayDocument, meta: PayloadMeta, context: XrayContext) => {
    const newIds: string[] = [];
    const batch = documentToBatch(doc, context, (id, ctx) => {
      remember(id, ctx);
      newIds.push(id);
    });
    for (const span of batch.spans) {
      if (span.inProgress) continue;
      completed.add(span.spanId);
      if (completed.size > MAX_REMEMBERED_IDS) completed.delete(completed.values().next().value as string);
    }
    sink.accept('xray', meta, batch);
    // Anything streamed ahead of this document can now be stitched to it.
    for (const id of newIds) {
      const waiting = orphans.get(id);
      if (!waiting) continue;
      orphans.delete(id);
      for (const p of waiting) process(p.doc, p.meta, p.since);
    }
  };

  const process = (doc: XrayDocument, meta: PayloadMeta, since = Date.now()) => {
    const isSegment = doc.type !== 'subsegment';
    if (doc.in_progress && completed.has(doc.id)) return; // UDP reordered it: the completed version already won
    if (isSegment) remember(doc.id, segmentContext(doc));
    if (doc.in_progress) {
      inProgress.set(doc.id, { doc, meta, since });
      // An in-progress segment already names the service, so children streamed under it can go out.
      if (isSegment) releaseOrphansOf(doc.id);
      return;
    }
    inProgress.delete(doc.id);
    const context = isSegment ? contexts.get(doc.id)! : contexts.get(doc.parent_id ?? '');
    if (!context) {
      const list = orphans.get(doc.parent_id ?? '') ?? [];
      list.push({ doc, meta, since });
      orphans.set(doc.parent_id ?? '', list);
      return;
    }
    emit(doc, meta, context);
  };

  const releaseOrphansOf = (id: string) => {
    const waiting = orphans.get(id);
    if (!waiting) return;
    orphans.delete(id);
    for (const p of waiting) process(p.doc, p.meta, p.since);
  };

  /** Stores whatever waited too long (or everything, on close) as it is. */
  const expire = (all: boolean) => {
    const cutoff = Date.now() - holdMs;
    for (const [parentId, list] of orphans) {
      const keep = list.filter((p) => !all && p.since > cutoff);
      const expired = list.filter((p) => all || p.since <= cutoff);
      if (keep.length > 0) orphans.set(parentId, keep);
      else orphans.delete(parentId);
      for (const p of expired) emit(p.doc, p.meta, unknownContext());
    }
    for (const [id, p] of inProgress) {
      if (!all && p.since > cutoff) continue;
      inProgress.delete(id);
      const context = contexts.get(p.doc.type === 'subsegment' ? (p.doc.parent_id ?? '') : id);
      emit(p.doc, p.meta, context ?? unknownContext());
    }
    countHeld();
  };

  const onDatagram = (msg: Buffer) => {
    stats.datagrams++;
    const parsed = parseDatagram(msg);
    if ('error' in parsed) {
      stats.rejected++;
      stats.lastRejection = parsed.error;
      return;
    }
    stats.documents++;
    try {
      process(parsed.doc, { route: 'udp', bytes: msg.length, contentType: null });
    } catch (err) {
      stats.rejected++;
      stats.lastRejection = `cannot store segment: ${(err as Error).message}`;
    }
    countHeld();
  };

  const { tcp, udp, port } = await bindBoth(opts.host, opts.port);
  udp.on('message', onDatagram);
  // A UDP socket error must not take the sandbox down; the daemon just keeps listening.
  udp.on('error', () => {});
  const sweeper = setInterval(() => expire(false), Math.max(100, Math.floor(holdMs / 2)));
  sweeper.unref();

  return {
    port,
    stats: () => ({ ...stats }),
    close: async () => {
      clearInterval(sweeper);
      expire(true);
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => {
          tcp.close(() => resolve());
          tcp.closeAllConnections();
        }),
      ]);
    },
  };
}

/**
 * One daemon datagram: a header line `{"format":"json","version":1}`, a newline, then one segment or
 * independent-subsegment document. Returns the document or why the datagram is refused.
 */
export function parseDatagram(msg: Buffer): { doc: XrayDocument } | { error: string } {
  const text = msg.toString('utf8');
  const newline = text.indexOf('\n');
  if (newline < 0) return { error: 'no header line' };
  let header: { format?: unknown; version?: unknown };
  let doc: unknown;
  try {
    header = JSON.parse(text.slice(0, newline));
  } catch {
    return { error: 'header is not JSON' };
  }
  if (header?.format !== HEADER_FORMAT || header?.version !== HEADER_VERSION) {
    return { error: `unsupported header ${text.slice(0, Math.min(newline, 80))}` };
  }
  try {
    doc = JSON.parse(text.slice(newline + 1));
  } catch {
    return { error: 'segment is not JSON' };
  }
  const why = invalidReason(doc);
  return why ? { error: why } : { doc: doc as XrayDocument };
}

/**
 * Binds TCP first (port 0 → the OS picks), then UDP on the same number, as the X-Ray daemon listens. With port 0
 * that number may be taken on the UDP side, so retry a few times with a fresh TCP port.
 */
export async function bindBoth(
  host: string,
  port: number,
  onSamplingRequest: http.RequestListener = handleSamplingRequest,
): Promise<{ tcp: http.Server; udp: dgram.Socket; port: number }> {
  const attempts = port === 0 ? 10 : 1;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const tcp = http.createServer(onSamplingRequest);
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    const bound = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(bound, host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      return { tcp, udp, port: bound };
    } catch (err) {
      lastError = err;
      try {
        udp.close();
      } catch {
        // never bound: nothing to close
      }
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    }
  }
  throw lastError;
}

/** The drop-ack daemon: sampling answered for real (FixedRate 1), datagrams and sampling polls only counted. */
async function bindCountingDaemon(where: BindAddress, count: Count): Promise<Listening> {
  const { tcp, udp, port } = await bindBoth(where.host, where.port, (req, res) => {
    // Sampling polls are part of what the SDK sends, so their bodies count too (as their own line).
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    req.on('end', () => count('xray-sampling', bytes));
    handleSamplingRequest(req, res);
  });
  udp.on('message', (msg) => count('xray', msg.length));
  udp.on('error', () => undefined);
  return {
    port,
    close: () =>
      Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => {
          tcp.close(() => resolve());
          tcp.closeAllConnections();
        }),
      ]).then(() => undefined),
  };
}

/** The X-Ray daemon: UDP segments and the TCP sampling API on one number (2000, the daemon's default). */
export const xrayIngest = defineIngestModule({
  vendors: ['xray'],
  ownPort: {
    key: 'xray',
    kind: 'socket',
    defaultPort: 2000,
    label: 'X-Ray daemon (UDP+TCP)',
    help: 'X-Ray daemon, UDP segments + TCP sampling',
    bind: (ctx, where) => startXrayDaemon({ ...where, sink: ctx.sink }),
    dropAck: bindCountingDaemon,
  },
  banner: ({ own }) => [['X-Ray daemon', `${own} (UDP + TCP)`]],
});
