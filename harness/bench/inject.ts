/**
 * Dispatches a request to a Node request listener (an Express app) in this process, with no socket: a real
 * `IncomingMessage` and `ServerResponse` on a stream that discards what is written. The layer bench uses it
 * so that what it times is the app's own work, not the kernel's loopback, which would drown microseconds.
 */
import { IncomingMessage, type RequestListener, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';

/** A socket stand-in: accepts every write at once, never produces data. */
class NullSocket extends Duplex {
  override _read(): void {}
  override _write(_chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void) {
    callback();
  }
}

export interface Injected {
  status: number;
  /** The response head and body as written (only when asked: keeping it costs allocations). */
  written?: string;
}

export interface InjectOptions {
  method?: string;
  url: string;
  headers?: Record<string, string>;
  /** Keep what was written (tests, the bench's sanity check); off while timing. */
  capture?: boolean;
}

/** One request through `listener`; resolves when the response has finished. */
export function inject(listener: RequestListener, options: InjectOptions): Promise<Injected> {
  const socket = new NullSocket();
  const chunks: string[] = [];
  if (options.capture) {
    const write = socket._write.bind(socket);
    socket._write = (chunk, encoding, callback) => {
      chunks.push(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
      write(chunk, encoding, callback);
    };
  }
  const req = new IncomingMessage(socket as never);
  req.method = options.method ?? 'GET';
  req.url = options.url;
  req.headers = { host: '127.0.0.1', ...options.headers };
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.httpVersion = '1.1';
  req.push(null); // no body
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise((resolve, reject) => {
    res.once('finish', () => {
      res.detachSocket(socket as never);
      // As Node's HTTP server does once a response is done: listeners on 'close' run here too.
      process.nextTick(() => res.emit('close'));
      resolve({ status: res.statusCode, written: options.capture ? chunks.join('') : undefined });
    });
    res.once('error', reject);
    listener(req, res);
  });
}
