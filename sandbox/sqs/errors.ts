/**
 * SQS errors as the JSON protocol sends them: HTTP status, `{"__type": "com.amazonaws.sqs#<Shape>", "message"}`
 * and the `x-amzn-query-error: <query code>;Sender` header. The AWS SDK v3 client is "awsQueryCompatible": it
 * reads the code from that header and finds the exception class whose `awsQueryError` trait names it
 * (`AWS.SimpleQueueService.NonExistentQueue` → `QueueDoesNotExist`), so both must be exactly SQS's.
 * Shapes and query codes are those of the SQS Smithy model (@aws-sdk/client-sqs); the common errors
 * (`InvalidParameterValue`, `MissingParameter`, …) are not in the model and reach the SDK as `SQSServiceException`
 * with that name, as they do from SQS.
 */

interface ErrorShape {
  status: number;
  /** The code in `x-amzn-query-error`. */
  queryCode: string;
}

const ERRORS = {
  QueueDoesNotExist: { status: 400, queryCode: 'AWS.SimpleQueueService.NonExistentQueue' },
  QueueNameExists: { status: 400, queryCode: 'QueueAlreadyExists' },
  ReceiptHandleIsInvalid: { status: 404, queryCode: 'ReceiptHandleIsInvalid' },
  MessageNotInflight: { status: 400, queryCode: 'AWS.SimpleQueueService.MessageNotInflight' },
  InvalidAttributeName: { status: 400, queryCode: 'InvalidAttributeName' },
  InvalidAttributeValue: { status: 400, queryCode: 'InvalidAttributeValue' },
  InvalidMessageContents: { status: 400, queryCode: 'InvalidMessageContents' },
  EmptyBatchRequest: { status: 400, queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest' },
  TooManyEntriesInBatchRequest: {
    status: 400,
    queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  },
  BatchEntryIdsNotDistinct: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct' },
  BatchRequestTooLong: { status: 400, queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong' },
  InvalidBatchEntryId: { status: 400, queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId' },
  OverLimit: { status: 403, queryCode: 'OverLimit' },
  InvalidAddress: { status: 404, queryCode: 'InvalidAddress' },
  UnsupportedOperation: { status: 400, queryCode: 'AWS.SimpleQueueService.UnsupportedOperation' },
  // Common errors of every AWS query API, outside the SQS model.
  InvalidParameterValue: { status: 400, queryCode: 'InvalidParameterValue' },
  MissingParameter: { status: 400, queryCode: 'MissingParameter' },
  InvalidAction: { status: 400, queryCode: 'InvalidAction' },
  SerializationException: { status: 400, queryCode: 'SerializationException' },
  RequestEntityTooLarge: { status: 413, queryCode: 'RequestEntityTooLarge' },
  UnsupportedMediaType: { status: 415, queryCode: 'UnsupportedMediaType' },
  InternalFailure: { status: 500, queryCode: 'InternalFailure' },
} satisfies Record<string, ErrorShape>;

export type SqsErrorName = keyof typeof ERRORS;

export class SqsError extends Error {
  constructor(
    readonly shape: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = 'SqsError';
  }

  get status(): number {
    return ERRORS[this.shape].status;
  }

  /** The query code: the `Code` of a batch entry's failure, and the first half of `x-amzn-query-error`. */
  get code(): string {
    return ERRORS[this.shape].queryCode;
  }

  /** `x-amzn-query-error`: the query code, and who is at fault. */
  get queryError(): string {
    return `${this.code};${this.status >= 500 ? 'Receiver' : 'Sender'}`;
  }

  toJson(): { __type: string; message: string } {
    return { __type: `com.amazonaws.sqs#${this.shape}`, message: this.message };
  }
}

/** The message SQS gives for a bad parameter value, e.g. `Value 11 for parameter MaxNumberOfMessages is invalid. Reason: …` */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new SqsError(
    'InvalidParameterValue',
    `Value ${shown} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}

export function missingParameter(name: string): SqsError {
  return new SqsError('MissingParameter', `The request must contain the parameter ${name}.`);
}

export const queueDoesNotExist = () =>
  new SqsError('QueueDoesNotExist', 'The specified queue does not exist.');
