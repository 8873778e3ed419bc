/**
 * The drop-and-ack sandbox answers every vendor the way its SDK needs and keeps only counts. The vendor SDKs
 * themselves are driven against it by the bench test; here each protocol's answer is checked over loopback.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DropAckSandbox, startDropAckSandbox } from '../../sandbox/drop-ack';

let sandbox: DropAckSandbox;
beforeAll(async () => {
  sandbox = await startDropAckSandbox({ host: '127.0.0.1' });
});
afterAll(() => sandbox.close());

const cloudwatch = (op: string, body: unknown) =>
  fetch(`${sandbox.url}/`, {
    method: 'POST',
    headers: { 'x-amz-target': `Logs_20140328.${op}`, 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
  });

describe('drop-ack sandbox', () => {
  it('answers OTLP with an empty 200 and files it under honeycomb when the key header is present', async () => {
    sandbox.reset();
    const proto = await fetch(`${sandbox.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf', 'x-honeycomb-team': 'k' },
      body: new Uint8Array(10),
    });
    expect(proto.status).toBe(200);
    expect((await proto.arrayBuffer()).byteLength).toBe(0);
    const json = await fetch(`${sandbox.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceSpans":[]}',
    });
    expect(await json.json()).toEqual({});
    expect(sandbox.counts()).toEqual({
      honeycomb: { payloads: 1, bytes: 10 },
      otlp: { payloads: 1, bytes: 20 },
    });
  });

  it('echoes a Sentry envelope event_id and acks Rollbar with err 0', async () => {
    const envelope = '{"event_id":"0123456789abcdef0123456789abcdef"}\n{"type":"event"}\n{}';
    const sentry = await fetch(`${sandbox.url}/api/1/envelope/?sentry_key=k`, {
      method: 'POST',
      body: envelope,
    });
    expect(await sentry.json()).toEqual({ id: '0123456789abcdef0123456789abcdef' });
    const rollbar = await fetch(`${sandbox.url}/api/1/item/`, { method: 'POST', body: '{"data":{}}' });
    expect(await rollbar.json()).toEqual(expect.objectContaining({ err: 0 }));
  });

  it('lists a CloudWatch stream right after creating it (winston-cloudwatch depends on it)', async () => {
    sandbox.reset();
    expect((await cloudwatch('CreateLogGroup', { logGroupName: 'g' })).status).toBe(200);
    expect((await cloudwatch('CreateLogStream', { logGroupName: 'g', logStreamName: 's' })).status).toBe(200);
    const described = (await (await cloudwatch('DescribeLogStreams', { logGroupName: 'g' })).json()) as {
      logStreams: Array<{ logStreamName: string }>;
    };
    expect(described.logStreams.map((s) => s.logStreamName)).toEqual(['s']);
    const put = await cloudwatch('PutLogEvents', {
      logGroupName: 'g',
      logStreamName: 's',
      logEvents: [{ timestamp: Date.now(), message: 'hello' }],
    });
    expect(await put.json()).toEqual({ nextSequenceToken: expect.any(String) });
    expect(sandbox.counts().cloudwatch.payloads).toBe(4);
  });

  it('acks Datadog traces with rate_by_service and serves /info', async () => {
    const traces = await fetch(`${sandbox.datadogUrl}/v0.4/traces`, {
      method: 'PUT',
      body: new Uint8Array([0x90]),
    });
    expect(await traces.json()).toEqual({ rate_by_service: {} });
    const info = (await (await fetch(`${sandbox.datadogUrl}/info`)).json()) as { endpoints: string[] };
    expect(info.endpoints).toContain('/v0.4/traces');
  });

  it('counts X-Ray datagrams and serves sampling rules that keep every request', async () => {
    sandbox.reset();
    const [host, port] = sandbox.xrayAddress.split(':');
    const socket = dgram.createSocket('udp4');
    const datagram = Buffer.from('{"format":"json","version":1}\n{"name":"x"}');
    await new Promise<void>((resolve, reject) =>
      socket.send(datagram, Number(port), host, (err) => (err ? reject(err) : resolve())),
    );
    socket.close();
    const res = await fetch(`http://${sandbox.xrayAddress}/GetSamplingRules`, { method: 'POST', body: '{}' });
    const rules = (await res.json()) as {
      SamplingRuleRecords: Array<{ SamplingRule: { FixedRate: number } }>;
    };
    expect(rules.SamplingRuleRecords[0].SamplingRule.FixedRate).toBe(1);
    for (let i = 0; i < 50 && !sandbox.counts().xray; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sandbox.counts().xray).toEqual({ payloads: 1, bytes: datagram.length });
  });

  it('answers an unknown route 404 and counts it as unmatched', async () => {
    sandbox.reset();
    const res = await fetch(`${sandbox.url}/nope`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
    expect(sandbox.counts().unmatched).toEqual({ payloads: 1, bytes: 1 });
  });
});
