/**
 * AWS X-Ray the way AWS recommends now that the X-Ray SDK is in maintenance: OpenTelemetry, exporting OTLP to
 * X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`, SigV4-signed; it needs CloudWatch
 * Transaction Search), built from upstream components:
 *
 * - X-Ray trace ids (below): the OTLP endpoint takes random W3C ids too, but an X-Ray SDK service that continues
 *   the trace sends its segments through the daemon (PutTraceSegments), which rejects an id whose embedded time
 *   is more than 30 days old — and a random id's first 8 hex digits are a random time;
 * - the X-Ray propagator (`X-Amzn-Trace-Id`) beside W3C `traceparent`, so services instrumented with the X-Ray
 *   SDK, ALBs and API Gateway continue the same traces;
 * - AWS resource detectors (Lambda, ECS, EKS, Elastic Beanstalk; EC2 only against real AWS, since it asks the
 *   instance metadata service, which does not answer elsewhere);
 * - a SigV4-signing OTLP exporter (adapters/otel/sigv4-exporter.ts).
 *
 * Why not AWS's distribution (@aws/aws-distro-opentelemetry-node-autoinstrumentation): it pins its own, older
 * OpenTelemetry line (sdk-node 0.219, core 2.8, api 1.9) against this project's 0.301 / 3.1 / 1.10, so one
 * process would hold two OpenTelemetry SDKs, and the comparison with `honeycomb` and `otlp` would no longer be
 * of the same instrumentation. The four pieces above are what it contributes for X-Ray.
 */
import { randomBytes } from 'node:crypto';
import { BakeoffError } from '../config/errors';
import { egressOf } from './egress';
import { exportTimeoutMs, reportFirstFailure } from './otel/export';
import { otelFacade } from './otel/facade';
import { type OtelSdk, startOtelSdk } from './otel/sdk';
import type { Adapter, AdapterFactory, AdapterOptions, Destination } from './types';

/** Never real: the sandbox does not check signatures, but it files SigV4 with the `xray` scope as `xray-otel`. */
const SANDBOX_CREDENTIALS = {
  accessKeyId: 'AKIDBAKEOFFSANDBOX',
  secretAccessKey: 'bakeoff-sandbox-not-a-secret',
};

export interface XrayOtlpTarget {
  url: string;
  region: string;
  /** True: the default AWS credential chain; false: the sandbox with fake credentials. */
  real: boolean;
  destination: Destination;
}

/**
 * Real X-Ray when AWS credentials (`AWS_ACCESS_KEY_ID`, `AWS_PROFILE`) or a region (an instance or task role)
 * are set, as for the `xray` adapter; else the sandbox's OTLP intake, signed with fake credentials.
 * `AWS_ENDPOINT_URL_XRAY` (the AWS SDKs' per-service endpoint variable) replaces the regional endpoint, e.g. with
 * a VPC endpoint.
 */
export function resolveXrayOtlpTarget(options: AdapterOptions): XrayOtlpTarget {
  const { env } = options;
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || region) {
    if (!region) {
      throw new BakeoffError(
        'BAKEOFF_ERR_INVALID_ENV',
        'xray-otel: AWS credentials are set but AWS_REGION is not; set AWS_REGION (e.g. us-east-1).',
      );
    }
    const base = (env.AWS_ENDPOINT_URL_XRAY || `https://xray.${region}.amazonaws.com`).replace(/\/+$/, '');
    const url = `${base}/v1/traces`;
    return { url, region, real: true, destination: { kind: 'vendor', endpoint: url } };
  }
  const url = `${options.sandboxUrl}/v1/traces`;
  return { url, region: 'us-east-1', real: false, destination: { kind: 'sandbox', endpoint: url } };
}

/**
 * X-Ray trace ids in OpenTelemetry's form: the request's time in Unix epoch seconds (8 hex digits), then 96
 * random bits (24 hex digits): `1-58406520-a006649127e371903a2de979` in X-Ray's spelling
 * (https://docs.aws.amazon.com/xray/latest/api/API_PutTraceSegments.html). Span ids
 * are 64 random bits.
 */
export const xrayIdGenerator = {
  generateTraceId: (): string =>
    Math.floor(Date.now() / 1000)
      .toString(16)
      .padStart(8, '0') + randomBytes(12).toString('hex'),
  generateSpanId: (): string => {
    let id: string;
    do id = randomBytes(8).toString('hex');
    while (id === '0000000000000000'); // all zeros is the invalid span id
    return id;
  },
};

export const createXrayOtelAdapter: AdapterFactory = (options) => {
  const target = resolveXrayOtlpTarget(options);
  let sdk: OtelSdk | undefined;

  const facade = otelFacade();

  const adapter: Adapter = {
    name: 'xray-otel',
    destination: target.destination,
    ...facade,

    // Log lines carry the ids in X-Ray's spelling, under the keys the `xray` adapter uses, so CloudWatch Logs
    // lines and the sandbox's Logs view link to the X-Ray trace.
    traceContext() {
      const ids = facade.traceContext();
      if (!ids) return undefined;
      const { trace_id: t, span_id: spanId } = ids;
      return { xray_trace_id: `1-${t.slice(0, 8)}-${t.slice(8)}`, xray_segment_id: spanId };
    },

    async start() {
      const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } =
        await import('@opentelemetry/core');
      const { AWSXRayPropagator } = await import('@opentelemetry/propagator-aws-xray');
      const { envDetector, hostDetector, osDetector, processDetector, serviceInstanceIdDetector } =
        await import('@opentelemetry/resources');
      const aws = await import('@opentelemetry/resource-detector-aws');
      const { createSigV4SpanExporter } = await import('./otel/sigv4-exporter');
      const credentials = target.real
        ? (await import('@aws-sdk/credential-provider-node')).defaultProvider()
        : SANDBOX_CREDENTIALS;
      const exporter = await createSigV4SpanExporter({
        url: target.url,
        region: target.region,
        service: 'xray',
        credentials,
        timeoutMillis: exportTimeoutMs(options.env),
      });
      sdk = await startOtelSdk({
        serviceName: options.serviceName,
        serviceVersion: options.release,
        egress: egressOf(options),
        spanExporter: reportFirstFailure('xray-otel', 'span', exporter),
        idGenerator: xrayIdGenerator,
        // Extracted in order, the last header present wins: `traceparent` over `X-Amzn-Trace-Id` when a caller
        // sends both (as this adapter does), the X-Ray header alone from X-Ray SDK services and load balancers.
        propagator: new CompositePropagator({
          propagators: [new AWSXRayPropagator(), new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
        }),
        // The SDK's default detectors, then AWS's.
        resourceDetectors: [
          serviceInstanceIdDetector,
          processDetector,
          hostDetector,
          osDetector,
          envDetector,
          aws.awsLambdaDetector,
          aws.awsEcsDetector,
          aws.awsEksDetector,
          aws.awsBeanstalkDetector,
          ...(target.real ? [aws.awsEc2Detector] : []),
        ],
      });
    },

    async flush(timeoutMs) {
      await sdk?.flush(timeoutMs);
    },

    async shutdown(timeoutMs) {
      await sdk?.shutdown(timeoutMs);
    },
  };
  return adapter;
};

/**
 * X-Ray's OTLP endpoint, or the sandbox; against real AWS also where credentials come from (the EC2 instance
 * metadata service, the container credentials endpoint, STS), as for the `cloudwatch` adapter.
 */
createXrayOtelAdapter.egress = (options) => {
  const { url, real, region } = resolveXrayOtlpTarget(options);
  if (!real) return [url];
  const { env } = options;
  return [
    url,
    `https://sts.${region}.amazonaws.com`,
    'http://169.254.169.254',
    'http://[fd00:ec2::254]',
    'http://169.254.170.2',
    ...[env.AWS_CONTAINER_CREDENTIALS_FULL_URI].filter((u): u is string => Boolean(u)),
  ];
};
