/**
 * The routes' JSON answer (app/http/send-json.ts) writes what Express's `res.status(s).json(v)` writes in this
 * app, byte for byte (Date aside): status line, headers, body, and no body to HEAD.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { sendJson } from '../../app/http/send-json';
import { inject } from '../../harness/bench/inject';

/** An app configured as app/server.ts configures ours, answering `value` one way or the other. */
function appAnswering(how: 'express' | 'sendJson', status: number, value: object | string | null) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/answer', (_req, res) => {
    if (how === 'express') res.status(status).json(value);
    else sendJson(res, status, value);
  });
  return app;
}

async function written(
  how: 'express' | 'sendJson',
  status: number,
  value: object | string | null,
  method = 'GET',
) {
  const answer = await inject(appAnswering(how, status, value), { method, url: '/answer', capture: true });
  return answer.written!.replace(/^Date: .*\r\n/m, '');
}

const VALUES: Array<[string, number, object | string | null]> = [
  ['a feed', 200, { term: 'zz', activities: [{ uuid: 'u1', message: 'héllo ✓ "quoted" </script>' }] }],
  ['an empty list', 200, { activities: [] }],
  [
    'a created post',
    201,
    { uuid: 'u2', handle: 'andrewbrown', replies_count: 0, reply_to_activity_uuid: null },
  ],
  ['a bare string', 200, 'text'],
  ['null', 200, null],
];

describe('sendJson', () => {
  it.each(VALUES)('answers %s exactly as res.json does', async (_name, status, value) => {
    const ours = await written('sendJson', status, value);
    expect(ours).toBe(await written('express', status, value));
    expect(ours).toMatch(/^HTTP\/1\.1 20[01] /);
  });

  it('sends the headers alone to HEAD, like res.json', async () => {
    const value = { activities: [{ uuid: 'u1' }] };
    const ours = await written('sendJson', 200, value, 'HEAD');
    expect(ours).toBe(await written('express', 200, value, 'HEAD'));
    expect(ours).toContain(`Content-Length: ${JSON.stringify(value).length}\r\n`);
    expect(ours.endsWith('\r\n\r\n')).toBe(true);
  });
});
