/**
 * Every ingest module the sandbox runs (the contract is in ./module.ts). The full sandbox (server.ts), the
 * drop-ack bench sandbox (drop-ack.ts) and `bakeoff sandbox` (its port flags, help and banner) loop over this
 * list; a new protocol is one module file and one line here. Main-port routes are tried in this order, and the
 * banner lists the modules in it.
 */
import { cloudwatchIngest } from './cloudwatch';
import { datadogIngest } from './datadog';
import type { IngestModule, PortAddresses, PortOptions } from './module';
import { otlpIngest } from './otlp';
import { rollbarIngest } from './rollbar';
import { sentryIngest } from './sentry';
import { sqsIngest } from './sqs';
import { xrayIngest } from './xray';

export const INGEST_MODULES = [
  sentryIngest,
  rollbarIngest,
  cloudwatchIngest,
  sqsIngest,
  otlpIngest,
  datadogIngest,
  xrayIngest,
] as const satisfies readonly IngestModule[];

/** `otlpPort`, `datadogPort`, `xrayPort`, … : one per module with a port of its own. */
export type IngestPortOptions = PortOptions<typeof INGEST_MODULES>;

/** `otlpUrl`, `datadogUrl`, `xrayAddress`, … : where each module's own port listens. */
export type IngestAddresses = PortAddresses<typeof INGEST_MODULES>;

/** The modules' own ports, in list order. */
export const OWN_PORTS = INGEST_MODULES.flatMap((m: IngestModule) => (m.ownPort ? [m.ownPort] : []));
