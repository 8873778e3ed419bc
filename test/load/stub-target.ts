/**
 * A tiny stand-in for the activities API (the load generator's target, not a vendor SDK): it records what
 * arrived, counts requests in flight, and can be told to answer slowly or with a given status.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

export interface SeenRequest {
  method: string;
  path: string;
  run: string | undefined;
  seq: number;
  body: unknown;
}

export interface StubOptions {
  /** Milliseconds to hold each request before answering (makes concurrency observable). */
  delayMs?: number | ((seen: SeenRequest) => number);
  /** Status to answer with instead of the normal one (undefined: normal). */
  statusFor?: (seen: SeenRequest) => number | undefined;
  /** Extra response headers (e.g. the service's `x-bakeoff-chaos`). */
  headersFor?: (seen: SeenRequest) => Record<string, string>;
}

export interface StubTarget {
  url: string;
  seen: SeenRequest[];
  maxInFlight: number;
  close(): Promise<void>;
}

/** Uuids derived from the seq, so two runs against fresh stubs see identical reply paths. */
export const stubUuid = (seq: number) => `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;

export async function startStubTarget(options: StubOptions = {}): Promise<StubTarget> {
  const app = express();
  app.use(express.json());
  let inFlight = 0;
  const stub: StubTarget = { url: '', seen: [], maxInFlight: 0, close: async () => {} };
  app.use(async (req, res) => {
    inFlight++;
    stub.maxInFlight = Math.max(stub.maxInFlight, inFlight);
    const seen: SeenRequest = {
      method: req.method,
      path: req.originalUrl,
      run: req.get('x-bakeoff-run'),
      seq: Number(req.get('x-bakeoff-seq')),
      body: req.method === 'POST' ? req.body : undefined,
    };
    stub.seen.push(seen);
    const delay = typeof options.delayMs === 'function' ? options.delayMs(seen) : (options.delayMs ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    inFlight--;
    for (const [name, value] of Object.entries(options.headersFor?.(seen) ?? {})) res.setHeader(name, value);
    const forced = options.statusFor?.(seen);
    if (forced !== undefined) {
      res.status(forced).json({ error: `forced ${forced}` });
    } else if (req.method === 'POST') {
      res.status(201).json({ uuid: stubUuid(seen.seq), handle: (req.body as { handle?: string }).handle });
    } else {
      res.json({ activities: [] });
    }
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return stub;
}
