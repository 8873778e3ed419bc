/**
 * The activities service loads the AWS SDK on its first post, not at start: a process that only serves reads
 * (the bench's light route, the users service) never carries the SDK's modules and heap. Run in a child
 * process of the build, so `require.cache` shows exactly what the services loaded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { distFile } from '../../harness/bench/paths';

const CHILD = `
const [service, env, dataDir] = process.argv.slice(1);
const { startService } = require(service);
const { loadConfig } = require(env);
const sdkLoaded = () => Object.keys(require.cache).some((file) => file.includes('/@aws-sdk/client-sqs/'));
(async () => {
  // Notifications on (the default), the queue on a port that refuses: every send fails, fast.
  const base = { DATA_DIR: dataDir, PORT: '0', USERS_PORT: '0', BAKEOFF_SANDBOX: 'http://127.0.0.1:9', QUEUE_SEND_TIMEOUT_MS: '500' };
  const users = await startService('users', loadConfig(base), [], { quiet: true });
  const activities = await startService('activities', loadConfig({ ...base, USERS_URL: users.url }), [], { quiet: true });
  const atStart = sdkLoaded();
  const read = await fetch(activities.url + '/api/activities/search?term=nothing-matches');
  const afterRead = sdkLoaded();
  const post = await fetch(activities.url + '/api/activities', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle: 'ada', message: 'hello @grace' }),
  });
  const afterPost = sdkLoaded();
  await activities.close();
  await users.close();
  process.stdout.write(JSON.stringify({ atStart, read: read.status, afterRead, post: post.status, afterPost }));
})().catch((error) => { process.stderr.write(String(error && error.stack)); process.exit(1); });
`;

describe('the notifications sender, on demand', () => {
  it('loads the AWS SDK with the first post, not at start or for reads, and the post still answers 201', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'bakeoff-on-demand-'));
    const out = execFileSync(
      process.execPath,
      ['-e', CHILD, distFile('app/service.js'), distFile('config/env.js'), dataDir],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(JSON.parse(out)).toEqual({
      atStart: false,
      read: 200,
      afterRead: false,
      post: 201,
      afterPost: true,
    });
  }, 90_000);
});
