/**
 * The ingest-module contract: everything the sandbox knows about one vendor protocol. A module says which
 * vendors it files data under, what it listens on (routes on the main port, and/or a port of its own: HTTP, or
 * sockets it binds itself such as X-Ray's UDP + TCP), how the drop-and-ack bench sandbox answers it, and what
 * the `bakeoff sandbox` banner prints for it. sandbox/server.ts, sandbox/drop-ack.ts and `bakeoff sandbox`
 * loop over the list in sandbox/ingest/index.ts; none of them names a vendor.
 *
 * Every HTTP module reads its bodies with the one reader in ./body.ts (limits, gzip/deflate/br, IngestHttpError).
 */
import type http from 'node:http';
import type express from 'express';
import type { IngestSink, SandboxVendor } from '../model';

/** What a module's listeners get from the sandbox that runs them. */
export interface IngestContext {
  /** Where decoded batches go (the store, or a counter in the drop-ack sandbox). */
  sink: IngestSink;
  /** The sandbox's `--data` directory, if any: a module with state of its own may keep it there. */
  dataDir?: string;
  /** Runs `fn` when the sandbox closes, after its listeners stop (timers, long polls, open files). */
  onClose(fn: () => void | Promise<void>): void;
  /**
   * Runs `fn` when the sandbox starts closing, before its listeners stop and cut open connections: answer what
   * is still waiting (SQS long polls), so clients get a clean reply. Absent where nothing closes (tests' apps).
   */
  onClosing?(fn: () => void | Promise<void>): void;
}

/** Records payloads in the drop-ack sandbox: `vendor` is usually the module's, `bytes` as on the wire. */
export type Count = (vendor: string, bytes: number) => void;

/** A listener a module bound itself. */
export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Where a listener binds. Port 0 picks a free one. */
export interface BindAddress {
  host: string;
  port: number;
}

/** Routes on the sandbox's main port (UI + JSON API), mounted after the JSON API in module order. */
export interface MainPortIngest {
  routes(ctx: IngestContext): express.Router;
  /** The drop-and-ack answer, made once per drop-ack sandbox (state the answer needs lives in the closure). */
  dropAck(count: Count): MainPortDropAck;
}

export interface MainPortDropAck {
  /** Whether a request is this module's, from its method, path and headers alone (nothing is read yet). */
  claims(req: http.IncomingMessage, path: string): boolean;
  /** Replies at once with the smallest answer the SDK takes as success, counting what arrived. */
  answer(req: http.IncomingMessage, res: http.ServerResponse): void;
}

interface OwnPortBase<Key extends string> {
  /**
   * Names everything about the port: the `startSandbox` option `<key>Port`, the CLI flag `--<key>-port`,
   * and the address returned, `<key>Url` (HTTP) or `<key>Address` (socket, `host:port`).
   */
  key: Key;
  defaultPort: number;
  /** Who wants the port, in the port-in-use error: e.g. "OTLP/HTTP listener". */
  label: string;
  /** The `--<key>-port` line of `bakeoff sandbox --help`, after the flag. */
  help: string;
}

/** An HTTP listener of the module's own, wrapped by the sandbox in the request guard and timeouts. */
export interface OwnHttpPort<Key extends string = string> extends OwnPortBase<Key> {
  kind: 'http';
  routes(ctx: IngestContext): express.Router;
  /** The drop-ack answer for every request on this port. */
  dropAck(count: Count): http.RequestListener;
}

/** Sockets the module binds itself (UDP, raw TCP): its address is `host:port`. */
export interface OwnSocketPort<Key extends string = string> extends OwnPortBase<Key> {
  kind: 'socket';
  /** Binds; an address already taken rejects with an `EADDRINUSE` error. */
  bind(ctx: IngestContext, where: BindAddress): Promise<Listening>;
  dropAck(where: BindAddress, count: Count): Promise<Listening>;
}

export type OwnPort<Key extends string = string> = OwnHttpPort<Key> | OwnSocketPort<Key>;

/** Addresses a module's banner lines may name. */
export interface BannerAddresses {
  /** The main port, e.g. `http://127.0.0.1:4400`. */
  url: string;
  /** The module's own port: `http://host:port` or `host:port`. */
  own?: string;
}

export interface IngestModule {
  /** Vendors the module files data under (OTLP: `honeycomb` when the key header is present, else `otlp`). */
  vendors: readonly SandboxVendor[];
  mainPort?: MainPortIngest;
  ownPort?: OwnPort;
  /** Lines for the `bakeoff sandbox` banner: a label (padded by the banner) and where to send data. */
  banner(at: BannerAddresses): Array<[label: string, where: string]>;
}

/**
 * Identity that keeps the literal types (`key`, `kind`), so the sandbox's option and address names are derived
 * from the module list at compile time (`otlpPort`, `otlpUrl`, …).
 */
export function defineIngestModule<const M extends IngestModule>(module: M): M {
  return module;
}

type OwnPortOf<M> = M extends { ownPort: infer P } ? P : never;

/** `startSandbox`'s per-module port options: `<key>Port`. */
export type PortOptions<Modules extends readonly IngestModule[]> = {
  [
    P in OwnPortOf<Modules[number]> as P extends { key: infer K extends string } ? `${K}Port` : never
  ]?: number;
};

/** The address of each module's own port: `<key>Url` for HTTP, `<key>Address` (`host:port`) for sockets. */
export type PortAddresses<Modules extends readonly IngestModule[]> = {
  [
    P in OwnPortOf<Modules[number]> as P extends { key: infer K extends string; kind: infer Kind }
      ? Kind extends 'http'
        ? `${K}Url`
        : `${K}Address`
      : never
  ]: string;
};

/** The name under which an own port's address is returned. */
export function addressName(port: OwnPort): string {
  return port.kind === 'http' ? `${port.key}Url` : `${port.key}Address`;
}

/** The option and CLI flag names of an own port. */
export const portOption = (port: OwnPort) => `${port.key}Port`;
export const portFlag = (port: OwnPort) => `--${port.key}-port`;
