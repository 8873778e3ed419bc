import { execFileSync } from 'node:child_process';
import { it } from 'vitest';
import { startSandbox } from '/work/main/sandbox/server';
it('dbg', async () => {
  const s = await startSandbox({ port: 0, otlpPort: 0, datadogPort: 0, xrayPort: 0 });
  execFileSync('node', ['/work/main/test/fixtures/rollbar-sdk.js'], { env: { ...process.env, ROLLBAR_ENDPOINT: `${s.url}/api/1/item/` } });
  console.log(JSON.stringify(await (await fetch(`${s.url}/api/errors?vendor=rollbar`)).json(), null, 1).slice(0, 3000));
  await s.close();
});
