/**
 * `none`: the baseline. Sends nothing anywhere; the facade's cost with no vendor is what the benchmark's
 * `none` arm measures against bare Express.
 */
import type { Adapter, AdapterFactory } from './types';

export const createNoneAdapter: AdapterFactory = () => {
  const adapter: Adapter = {
    name: 'none',
    destination: { kind: 'sandbox', endpoint: 'nowhere (baseline: no telemetry is sent)' },
    start() {},
    async flush() {},
    async shutdown() {},
  };
  return adapter;
};
