/**
 * An OTLP/HTTP (protobuf) span exporter that signs every request with AWS Signature Version 4, as AWS's OTLP
 * endpoints require (X-Ray: https://docs.aws.amazon.com/xray/latest/devguide/xray-opentelemetry.html). The
 * upstream OTLP exporter sets fixed headers only, and a SigV4 signature covers each body, so this one serializes
 * with the upstream serializer and signs per request (what ADOT's exporter does inside the ADOT distribution).
 */
import { context } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode, suppressTracing } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface SigV4ExporterOptions {
  /** e.g. `https://xray.us-east-1.amazonaws.com/v1/traces`. */
  url: string;
  region: string;
  /** The signing name: `xray` for X-Ray's OTLP endpoint. */
  service: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  timeoutMillis: number;
}

export async function createSigV4SpanExporter(options: SigV4ExporterOptions): Promise<SpanExporter> {
  const { ProtobufTraceSerializer } = await import('@opentelemetry/otlp-transformer');
  const { SignatureV4 } = await import('@smithy/signature-v4');
  const { Hash } = await import('@smithy/hash-node');
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const url = new URL(options.url);
  const pending = new Set<Promise<void>>();

  async function post(body: Uint8Array): Promise<ExportResult> {
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-protobuf' },
      body,
    });
    const response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMillis),
    });
    await response.arrayBuffer();
    if (response.ok) return { code: ExportResultCode.SUCCESS };
    // The status only: the answer may echo the request's signature.
    return {
      code: ExportResultCode.FAILED,
      error: new Error(`OTLP export answered HTTP ${response.status}`),
    };
  }

  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      const body = ProtobufTraceSerializer.serializeRequest(spans);
      if (!body) {
        done({ code: ExportResultCode.FAILED, error: new Error('spans could not be serialized') });
        return;
      }
      // Suppressed, so no instrumentation in this process records the export as a call of the app.
      const sent = context
        .with(suppressTracing(context.active()), () => post(body))
        .catch((error: unknown) => ({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        }))
        .then(done);
      pending.add(sent);
      void sent.finally(() => pending.delete(sent));
    },
    async forceFlush() {
      await Promise.all(pending);
    },
    async shutdown() {
      await Promise.all(pending);
    },
  };
}
