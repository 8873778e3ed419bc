import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './harness';

describe('none adapter', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ observability: 'none' });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('serves the app and sends nothing anywhere', async () => {
    expect((await stack.request('GET', '/api/activities/home', 1)).status).toBe(200);
    expect((await stack.stop()).map((e) => e.code)).toEqual([0, 0]);
    const vendors = await stack.api<Array<{ payloads: number }>>('/api/vendors');
    expect(vendors.reduce((sum, v) => sum + v.payloads, 0)).toBe(0);
    expect(stack.output()).toMatch(/adapter none → /);
  });
});
