/**
 * X-Ray across the queue, as the X-Ray SDK does it: every SQS client is captured with `captureAWSv3Client`
 * (one `aws` subsegment per call, named by service and operation, and `X-Amzn-Trace-Id` on the request, which
 * SQS keeps as the message's `AWSTraceHeader`), and the worker's handling of a message is a segment of its own
 * that continues that header, so the producer's request and the consumer's work are one trace.
 */
import type * as XRay from 'aws-xray-sdk-core';
import type { Segment } from 'aws-xray-sdk-core';
import type { ConsumedMessage } from './types';
import { recordError } from './xray-entities';

interface SqsClientModule {
  SQSClient: { prototype: { send(this: object, ...args: unknown[]): unknown } };
}

/**
 * The app creates its SQS client itself (it stays vendor-neutral), so the client class is patched: the first
 * `send` of each instance captures it. Without `@aws-sdk/client-sqs` installed there is nothing to capture.
 */
export function captureSqsClients(sdk: typeof XRay): () => void {
  let sqs: SqsClientModule;
  try {
    sqs = require('@aws-sdk/client-sqs') as SqsClientModule;
  } catch {
    return () => undefined;
  }
  const proto = sqs.SQSClient.prototype;
  const hadOwnSend = Object.prototype.hasOwnProperty.call(proto, 'send');
  const send = proto.send;
  const captured = new WeakSet<object>();
  proto.send = function sendCaptured(this: object, ...args: unknown[]) {
    if (!captured.has(this)) {
      captured.add(this);
      sdk.captureAWSv3Client(this as never);
    }
    return send.apply(this, args);
  };
  return () => {
    if (hadOwnSend) proto.send = send;
    else delete (proto as { send?: unknown }).send;
  };
}

/**
 * A segment for one received message, continuing `AWSTraceHeader` (`Root=…;Parent=…;Sampled=…`) when the
 * message has one. The `aws` block names the queue, which is what marks the segment as a consumer's.
 */
export function consumerSegment(sdk: typeof XRay, serviceName: string, message: ConsumedMessage): Segment {
  const header = message.systemAttributes.AWSTraceHeader;
  const trace = header ? sdk.utils.processTraceData(header) : {};
  const segment = new sdk.Segment(serviceName, trace.root, trace.parent);
  if (trace.sampled === '0') (segment as Segment & { notTraced?: boolean }).notTraced = true;
  // `aws` is a segment field the SDK's typings leave out (subsegments have addAttribute; a segment takes it as is).
  const withAws = segment as Segment & { aws?: Record<string, unknown> };
  withAws.aws = {
    ...withAws.aws,
    queue_url: message.queueUrl,
    message_id: message.messageId,
    receive_count: message.receiveCount,
  };
  segment.addAnnotation('messaging_destination', message.queue);
  return segment;
}

/** Closes the consumer segment, with the error (a fault) when the work failed. */
export function closeConsumerSegment(segment: Segment, error?: unknown): void {
  if (error !== undefined) {
    recordError(segment, error instanceof Error ? error : new Error(String(error)), false);
  }
  segment.close();
}
