import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson, type ServicePair, startPair } from '../helpers/services';

let pair: ServicePair;
let url: string;
beforeAll(async () => {
  pair = await startPair();
  url = `${pair.url}/api/activities`;
});
afterAll(async () => {
  await pair?.close();
});

/** Every bad request below names `ada`: anything half-written would show in her feed or the home feed. */
async function feedSize(): Promise<string> {
  const home = await getJson(`${pair.url}/api/activities/home`);
  const ada = await getJson(`${pair.url}/api/activities/@ada`);
  return JSON.stringify([home.body.activities, ada.body.activities]);
}

describe('bad input gets a 4xx JSON message and writes nothing', () => {
  const cases: Array<[string, () => Promise<{ status: number; body: Record<string, any> }>, number, RegExp]> =
    [
      ['invalid JSON', () => postJson(url, '{"handle": "ada", '), 400, /not valid JSON/],
      ['missing fields', () => postJson(url, {}), 400, /handle: is required; message: is required/],
      [
        'a 281-character message',
        () => postJson(url, { handle: 'ada', message: 'x'.repeat(281) }),
        400,
        /at most 280/,
      ],
      ['an empty message', () => postJson(url, { handle: 'ada', message: '   ' }), 400, /must not be empty/],
      [
        'a message of only zero-width and invisible characters',
        () => postJson(url, { handle: 'ada', message: '\u200b\u200b\u2060\ufeff\u200d' }),
        400,
        /must not be empty/,
      ],
      [
        'a message with an unpaired surrogate',
        // JSON.stringify writes the lone half as the escape `\ud800`, which JSON.parse turns back into it.
        () => postJson(url, { handle: 'ada', message: 'half a pair: \ud800!' }),
        400,
        /unpaired surrogate/,
      ],
      [
        'a reply with an unpaired surrogate',
        () =>
          postJson(`${url}/5eed0000-0000-4000-8000-000000000001/reply`, { handle: 'ada', message: '\udc00' }),
        400,
        /unpaired surrogate/,
      ],
      [
        'an unknown handle',
        () => postJson(url, { handle: 'nobody', message: 'hi' }),
        400,
        /Unknown handle "nobody"/,
      ],
      [
        'a malformed handle',
        () => postJson(url, { handle: "ada'; --", message: 'hi' }),
        400,
        /handle must be/,
      ],
      [
        'an unknown field',
        () => postJson(url, { handle: 'ada', message: 'hi', admin: true }),
        400,
        /unknown field/,
      ],
      [
        'a bad ttl',
        () => postJson(url, { handle: 'ada', message: 'hi', ttl: 'forever' }),
        400,
        /ttl must be one of/,
      ],
      ['a JSON array body', () => postJson(url, [1, 2]), 400, /Invalid activity/],
      [
        'an invalid reply uuid',
        () => postJson(`${url}/not-a-uuid/reply`, { handle: 'ada', message: 'hi' }),
        400,
        /uuid/,
      ],
      [
        'a reply to an unknown activity',
        () => postJson(`${url}/00000000-0000-4000-8000-000000000000/reply`, { handle: 'ada', message: 'hi' }),
        404,
        /No activity/,
      ],
      ['a missing search term', () => getJson(`${url}/search`), 400, /term: is required/],
      [
        'a 10 MB body',
        () => postJson(url, { handle: 'ada', message: 'x'.repeat(10 * 1024 * 1024) }),
        413,
        /too large/,
      ],
    ];

  it.each(cases)('rejects %s', async (_name, send, status, message) => {
    const before = await feedSize();
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(message);
    expect(await feedSize()).toBe(before);
  });

  it('rejects a body that is not UTF-8', async () => {
    const body = Buffer.concat([
      Buffer.from('{"handle":"ada","message":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/UTF-8/);
  });

  it.each([
    ['utf-16', Buffer.from('{"handle":"ada","message":"in UTF-16"}', 'utf16le')],
    ['UTF-16LE', Buffer.from('{"handle":"ada","message":"in UTF-16"}', 'utf16le')],
    ['latin1', Buffer.from('{"handle":"ada","message":"caf\u00e9"}', 'latin1')],
  ])('rejects JSON declared as charset=%s with a 415, and writes nothing', async (charset, body) => {
    const before = await feedSize();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': `application/json; charset=${charset}` },
      body,
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/UTF-8/);
    expect(await feedSize()).toBe(before);
  });

  it('accepts UTF-8 declared explicitly, and keeps zero-width joiners inside real text', async () => {
    // A family emoji is three people joined by U+200D: invisible characters with visible ones are text.
    const message = 'family: \u{1F469}\u200d\u{1F467}\u200d\u{1F466}';
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset="UTF-8"' },
      body: JSON.stringify({ handle: 'ada', message }),
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { message: string }).message).toBe(message);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toMatch(/application\/json/);
  });

  /** A request `fetch` won't send: any method with a body (a GET included). */
  function send(method: string, target: string, contentType: string, body: string) {
    return new Promise<{ status: number; body: { error?: string } }>((resolve, reject) => {
      const headers = { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) };
      const req = http.request(target, { method, headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  // The API's routes pass the JSON gate themselves, only when a request has a body; every other path meets it
  // as a layer. Either way a body is checked before anything else answers.
  it.each([
    ['a GET to an API route', 'GET', '/api/activities/search?term=moth', 'text/plain', 'hello', 415],
    ['a GET to an API route', 'GET', '/api/activities/home', 'application/json', '{"oops', 400],
    ['a POST to no route (the gate before the 404)', 'POST', '/api/nowhere', 'text/plain', 'hello', 415],
    [
      'a PUT to the admin API (the gate before its token check)',
      'PUT',
      '/admin/chaos',
      'text/plain',
      'x',
      415,
    ],
  ])('checks the body of %s: %s %s', async (_what, method, target, contentType, body, status) => {
    const res = await send(method, `${pair.url}${target}`, contentType, body);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(status === 415 ? /application\/json/ : /not valid JSON/);
  });

  it('checks the body before the users service’s token check', async () => {
    const res = await send('GET', `${pair.users.url}/api/users?handles=ada`, 'text/plain', 'hello');
    expect(res.status).toBe(415); // not 401: no token was sent, but the body is refused first
  });

  it('is still up and healthy after all of it', async () => {
    expect((await getJson(`${pair.url}/api/health-check`)).status).toBe(200);
  });
});
