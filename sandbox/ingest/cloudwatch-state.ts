/**
 * The log groups and streams one CloudWatch endpoint knows, with the real service's validation and error
 * names, so clients take the same code paths they take against AWS. winston-cloudwatch in particular depends on
 * DescribeLogStreams listing a stream right after CreateLogStream (else it creates/describes in a tight loop)
 * and on PutLogEvents returning `nextSequenceToken` (else it describes before every batch).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 */

/** A CloudWatch error: `__type` is the exception name the SDK turns into `err.name`. */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LogStreamState {
  name: string;
  creationTime: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes: number;
  /** Counter behind the (deprecated, still returned) sequence token. */
  sequence: number;
}

export interface LogGroupState {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  streams: Map<string, LogStreamState>;
}

/** Limits from the PutLogEvents reference. */
export const PUT_LIMITS = {
  maxEvents: 10_000,
  maxBatchBytes: 1_048_576,
  /** Bytes CloudWatch counts per event on top of the UTF-8 message. */
  eventOverheadBytes: 26,
  maxEventBytes: 262_144,
  maxBatchSpanMs: 24 * 3600 * 1000,
  maxAgeMs: 14 * 24 * 3600 * 1000,
  maxFutureMs: 2 * 3600 * 1000,
} as const;

export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;
const STREAM_NAME = /^[^:*]{1,512}$/;

/** Sequence tokens look like long decimal strings; clients treat them as opaque. */
const tokenOf = (sequence: number): string => `4959${String(sequence).padStart(52, '0')}`;

export interface PutResult {
  nextSequenceToken: string;
  accepted: Array<{ timestamp: number; message: string }>;
  rejectedLogEventsInfo?: { tooOldLogEventEndIndex?: number; tooNewLogEventStartIndex?: number };
}

export class CloudWatchState {
  private readonly groups = new Map<string, LogGroupState>();

  constructor(
    private readonly region = 'us-east-1',
    private readonly account = '000000000000',
  ) {}

  groupArn(name: string): string {
    return `arn:aws:logs:${this.region}:${this.account}:log-group:${name}`;
  }

  streamArn(group: string, stream: string): string {
    return `${this.groupArn(group)}:log-stream:${stream}`;
  }

  uploadSequenceToken(stream: LogStreamState): string {
    return tokenOf(stream.sequence);
  }

  private validGroupName(name: unknown): string {
    if (typeof name !== 'string' || !GROUP_NAME.test(name)) {
      throw new AwsError(
        'InvalidParameterException',
        "1 validation error detected: Value at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+ and length 1-512",
      );
    }
    return name;
  }

  group(name: unknown): LogGroupState {
    const group = this.groups.get(this.validGroupName(name));
    if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  stream(groupName: unknown, streamName: unknown): LogStreamState {
    const stream = typeof streamName === 'string' ? this.group(groupName).streams.get(streamName) : undefined;
    if (!stream) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return stream;
  }

  createGroup(name: unknown, now = Date.now()): void {
    const valid = this.validGroupName(name);
    if (this.groups.has(valid)) {
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    }
    this.groups.set(valid, { name: valid, creationTime: now, streams: new Map() });
  }

  createStream(groupName: unknown, streamName: unknown, now = Date.now()): void {
    const group = this.group(groupName);
    if (typeof streamName !== 'string' || !STREAM_NAME.test(streamName)) {
      throw new AwsError(
        'InvalidParameterException',
        "1 validation error detected: Value at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]* and length 1-512",
      );
    }
    if (group.streams.has(streamName)) {
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    }
    group.streams.set(streamName, { name: streamName, creationTime: now, storedBytes: 0, sequence: 1 });
  }

  deleteGroup(name: unknown): void {
    this.group(name);
    this.groups.delete(name as string);
  }

  deleteStream(groupName: unknown, streamName: unknown): void {
    this.stream(groupName, streamName);
    this.group(groupName).streams.delete(streamName as string);
  }

  setRetention(name: unknown, days: unknown): void {
    const group = this.group(name);
    if (!(RETENTION_DAYS as readonly unknown[]).includes(days)) {
      throw new AwsError(
        'InvalidParameterException',
        `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
      );
    }
    group.retentionInDays = days as number;
  }

  listGroups(prefix?: string): LogGroupState[] {
    return [...this.groups.values()]
      .filter((g) => prefix === undefined || g.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  listStreams(
    groupName: unknown,
    opts: { prefix?: string; orderBy?: unknown; descending?: boolean },
  ): LogStreamState[] {
    const group = this.group(groupName);
    const orderBy = opts.orderBy ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw new AwsError(
        'InvalidParameterException',
        `1 validation error detected: Value '${String(orderBy)}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`,
      );
    }
    if (orderBy === 'LastEventTime' && opts.prefix !== undefined) {
      throw new AwsError(
        'InvalidParameterException',
        'Cannot order by LastEventTime with a logStreamNamePrefix.',
      );
    }
    const streams = [...group.streams.values()].filter(
      (s) => opts.prefix === undefined || s.name.startsWith(opts.prefix),
    );
    streams.sort((a, b) =>
      orderBy === 'LastEventTime'
        ? (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0)
        : a.name.localeCompare(b.name),
    );
    return opts.descending ? streams.reverse() : streams;
  }

  /**
   * Validates and records one batch. Since 2023 AWS accepts any sequence token, so the token is not checked;
   * events too old or too far in the future are reported in `rejectedLogEventsInfo` and dropped, as AWS does.
   */
  put(groupName: unknown, streamName: unknown, events: unknown, now = Date.now()): PutResult {
    if (!Array.isArray(events) || events.length === 0) {
      throw new AwsError(
        'InvalidParameterException',
        "1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    }
    if (events.length > PUT_LIMITS.maxEvents) {
      throw new AwsError(
        'InvalidParameterException',
        `1 validation error detected: Value at 'logEvents' failed to satisfy constraint: Member must have length less than or equal to ${PUT_LIMITS.maxEvents}`,
      );
    }
    const stream = this.stream(groupName, streamName);
    let bytes = 0;
    const checked = events.map((e, i) => {
      const ev = e as { timestamp?: unknown; message?: unknown };
      if (typeof ev?.timestamp !== 'number' || !Number.isFinite(ev.timestamp)) {
        throw new AwsError('InvalidParameterException', `logEvents[${i}].timestamp must be a number`);
      }
      if (typeof ev.message !== 'string' || ev.message === '') {
        throw new AwsError('InvalidParameterException', `logEvents[${i}].message must be a non-empty string`);
      }
      const size = Buffer.byteLength(ev.message, 'utf8');
      if (size > PUT_LIMITS.maxEventBytes) {
        throw new AwsError('InvalidParameterException', `Log event ${i} is too large (${size} bytes).`);
      }
      bytes += size + PUT_LIMITS.eventOverheadBytes;
      return { timestamp: ev.timestamp, message: ev.message };
    });
    if (bytes > PUT_LIMITS.maxBatchBytes) {
      throw new AwsError(
        'InvalidParameterException',
        `Upload too large: ${bytes} bytes exceeds ${PUT_LIMITS.maxBatchBytes}`,
      );
    }
    for (let i = 1; i < checked.length; i++) {
      if (checked[i].timestamp < checked[i - 1].timestamp) {
        throw new AwsError(
          'InvalidParameterException',
          'Log events in a single PutLogEvents request must be in chronological order.',
        );
      }
    }
    if (checked[checked.length - 1].timestamp - checked[0].timestamp > PUT_LIMITS.maxBatchSpanMs) {
      throw new AwsError(
        'InvalidParameterException',
        'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.',
      );
    }

    const rejected: PutResult['rejectedLogEventsInfo'] = {};
    const accepted = checked.filter((ev, i) => {
      if (ev.timestamp < now - PUT_LIMITS.maxAgeMs) {
        rejected.tooOldLogEventEndIndex = i + 1;
        return false;
      }
      if (ev.timestamp > now + PUT_LIMITS.maxFutureMs) {
        rejected.tooNewLogEventStartIndex ??= i;
        return false;
      }
      return true;
    });
    if (accepted.length > 0) {
      stream.firstEventTimestamp ??= accepted[0].timestamp;
      stream.lastEventTimestamp = Math.max(
        stream.lastEventTimestamp ?? 0,
        accepted[accepted.length - 1].timestamp,
      );
      stream.lastIngestionTime = now;
      stream.storedBytes += bytes;
    }
    stream.sequence += 1;
    return {
      nextSequenceToken: tokenOf(stream.sequence),
      accepted,
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  }
}
