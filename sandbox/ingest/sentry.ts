import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import zlib from 'node:zlib';
import express from 'express';
import { emptyBatch, type IngestBatch, type IngestSink } from '../model';
import { isObject, type JsonObject } from './json-fields';
import { decodeContent, IngestHttpError, readWireBody } from './body';
import { drain, reply } from './drop-ack-io';
import { defineIngestModule } from './module';
import { type Envelope, EnvelopeError, itemJson, parseEnvelope } from './sentry-envelope';
import { errorFromEvent } from './sentry-event';
import { logsFromItem } from './sentry-logs';
import { SpanPayloadError, spansFromStream, spansFromTransaction } from './sentry-spans';

/**
 * Sentry's ingest API as @sentry/node 11 uses it: `POST /api/:project/envelope/` (and the legacy
 * `/api/:project/store/` single-event endpoint). Item types decoded: `event` → ErrorRecord, `transaction` and
 * `span` (v2 span streaming) → SpanRecords, `log` → LogRecords; everything else (`session`, `sessions`,
 * `client_report`, `attachment`, …) is accepted and ignored, as Relay does for types a project doesn't use.
 * The DSN public key (query, X-Sentry-Auth or the envelope's `dsn`) must be present but is never stored.
 */

/** Bytes accepted on the wire (compressed), and after decompression. Relay's defaults are of this order. */
export const SENTRY_MAX_BODY_BYTES = 20 * 1024 * 1024;
export const SENTRY_MAX_DECOMPRESSED_BYTES = 100 * 1024 * 1024;

const SPAN_V2 = 'application/vnd.sentry.items.span.v2+json';

class AuthError extends Error {}

/** Relay answers errors as `{detail}`; `message` is added so every sandbox route reads the same way. */
function sendError(res: express.Response, status: number, message: string): void {
  res.status(status).json({ detail: message, message });
}

/** True when any of the three places a client may put the public key holds one. Its value is discarded. */
function hasSentryKey(req: express.Request, envelopeHeader: JsonObject | null): boolean {
  const fromQuery = req.query.sentry_key;
  if (typeof fromQuery === 'string' && fromQuery !== '') return true;
  const auth = req.get('x-sentry-auth') ?? req.get('authorization') ?? '';
  if (/sentry_key=[^,\s]+/.test(auth)) return true;
  const dsn = envelopeHeader?.dsn;
  if (typeof dsn === 'string') {
    try {
      return new URL(dsn).username !== '';
    } catch {
      return false;
    }
  }
  return false;
}

/** Very old SDKs sent /store/ bodies as base64 of zlib-deflated JSON. */
function storeEventJson(body: Buffer): JsonObject {
  let text = body.toString('utf8').trim();
  if (!text.startsWith('{')) {
    try {
      text = zlib
        .inflateSync(Buffer.from(text, 'base64'), { maxOutputLength: SENTRY_MAX_DECOMPRESSED_BYTES })
        .toString();
    } catch {
      throw new EnvelopeError('store body is neither JSON nor base64 deflated JSON');
    }
  }
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (err) {
    throw new EnvelopeError(`store body is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(event)) throw new EnvelopeError('store body must be a JSON object');
  return event;
}

function decodeEnvelope(envelope: Envelope, project: string): IngestBatch {
  const batch = emptyBatch();
  envelope.items.forEach((item, i) => {
    switch (item.header.type) {
      case 'event':
        batch.errors.push(errorFromEvent(itemJson(item, i)));
        break;
      case 'transaction':
        batch.spans.push(...spansFromTransaction(itemJson(item, i), { project }));
        break;
      case 'span':
        // v1 standalone spans (another content type) are not sent by @sentry/node 11; ignored like other types.
        if (item.header.content_type === SPAN_V2)
          batch.spans.push(...spansFromStream(itemJson(item, i), { project }));
        break;
      case 'log':
        batch.logs.push(...logsFromItem(itemJson(item, i)));
        break;
      default:
        break;
    }
  });
  return batch;
}

export function sentryRouter(sink: IngestSink): express.Router {
  const router = express.Router();

  const handle = (kind: 'envelope' | 'store') => async (req: express.Request, res: express.Response) => {
    const project = String(req.params.project);
    const route = `/api/:project/${kind}/`;
    try {
      // A body parser mounted ahead of this router may already have read the bytes. @sentry/node gzips
      // envelopes above 32 KB and sends no content-type, so the decompressed size has its own, larger cap.
      const raw = Buffer.isBuffer(req.body) ? req.body : await readWireBody(req, SENTRY_MAX_BODY_BYTES);
      const body = decodeContent(raw, req.get('content-encoding'), SENTRY_MAX_DECOMPRESSED_BYTES);
      let batch: IngestBatch;
      let eventId: unknown;
      if (kind === 'envelope') {
        const envelope = parseEnvelope(body);
        if (!hasSentryKey(req, envelope.header)) throw new AuthError('missing authorization information');
        batch = decodeEnvelope(envelope, project);
        eventId = envelope.header.event_id;
      } else {
        if (!hasSentryKey(req, null)) throw new AuthError('missing authorization information');
        const event = storeEventJson(body);
        batch = emptyBatch();
        if (event.type === 'transaction') batch.spans.push(...spansFromTransaction(event, { project }));
        else batch.errors.push(errorFromEvent(event));
        eventId = event.event_id;
      }
      sink.accept(
        'sentry',
        { route, bytes: raw.length, contentType: req.get('content-type') ?? null },
        batch,
      );
      res.status(200).json(typeof eventId === 'string' ? { id: eventId } : {});
    } catch (err) {
      if (err instanceof IngestHttpError) sendError(res, err.status, err.message);
      else if (err instanceof AuthError) sendError(res, 401, err.message);
      else if (err instanceof EnvelopeError || err instanceof SpanPayloadError) {
        sendError(res, 400, `invalid ${kind}: ${err.message}`);
      } else sendError(res, 500, `sentry ingest failed: ${(err as Error).message}`);
    }
  };

  router.post('/api/:project/envelope/', handle('envelope'));
  router.post('/api/:project/store/', handle('store'));
  return router;
}

/** The event id from an uncompressed envelope's first line, else a fresh one (Sentry answers `{"id": …}`). */
function eventIdOf(head: Buffer | null, req: http.IncomingMessage): string {
  if (head && !req.headers['content-encoding']) {
    const newline = head.indexOf(10);
    try {
      const header = JSON.parse(head.subarray(0, newline < 0 ? head.length : newline).toString('utf8'));
      if (typeof header?.event_id === 'string') return header.event_id;
    } catch {
      // a store-endpoint event or a partial first chunk: any id will do
    }
  }
  return randomUUID().replaceAll('-', '');
}

/** Sentry's envelope and store endpoints on the main port, where a DSN `http://<key>@host:port/1` points. */
export const sentryIngest = defineIngestModule({
  vendors: ['sentry'],
  mainPort: {
    routes: (ctx) => sentryRouter(ctx.sink),
    dropAck: (count) => ({
      claims: (req, path) => req.method === 'POST' && /^\/api\/[^/]+\/(envelope|store)\/?$/.test(path),
      answer: (req, res) => {
        void drain(req).then(({ bytes, head }) => {
          count('sentry', bytes);
          reply(res, 200, JSON.stringify({ id: eventIdOf(head, req) }));
        });
      },
    }),
  },
  banner: ({ url }) => [['Sentry DSN', `http://<key>@${url.replace(/^http:\/\//, '')}/1`]],
});
