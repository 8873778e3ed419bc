/**
 * The SQS emulator (sandbox/sqs/) as an ingest module: its JSON 1.0 protocol and the queues API on the main
 * port. SQS is not a vendor — nothing it carries is telemetry, so it files no data under one — but it is what
 * the app's async hop talks to offline: the SDK client's `endpoint` is the sandbox's main URL. The drop-ack
 * bench sandbox runs a memory-only emulator too, since the app's queue needs real answers (a send's MD5,
 * a receive's messages), and counts its calls as `sqs`.
 */
import express from 'express';
import { createSqsEmulator } from '../sqs/emulator';
import { isSqsRequest } from '../sqs/router';
import { defineIngestModule } from './module';

export const sqsIngest = defineIngestModule({
  vendors: [],
  mainPort: {
    routes: (ctx) => {
      const emulator = createSqsEmulator({ dataDir: ctx.dataDir });
      ctx.onClosing?.(() => emulator.stopPolling());
      ctx.onClose(() => emulator.close());
      return emulator.router;
    },
    dropAck: (count) => {
      const emulator = createSqsEmulator();
      const app = express();
      app.disable('x-powered-by');
      app.use((req, _res, next) => {
        count('sqs', Number(req.headers['content-length'] ?? 0) || 0);
        next();
      });
      app.use(emulator.router);
      return {
        claims: (req, path) => path === '/' && isSqsRequest(req),
        answer: (req, res) => app(req, res),
      };
    },
  },
  banner: ({ url }) => [['SQS', `${url}  (the SQS client's endpoint; queues at /000000000000/<name>)`]],
});
