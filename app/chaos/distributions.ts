/** Turns a latency spec into a delay for one request, deterministically. */
import { standardNormal, uniform01 } from './random';
import type { LatencySpec } from './scenario';

/** z-score of the 99th percentile of a standard normal. */
const Z99 = 2.3263478740408408;

export function delayFor(spec: LatencySpec, seed: number, rule: string, seq: number): number {
  switch (spec.dist) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return Math.round(spec.min + uniform01(seed, rule, seq, 'latency') * (spec.max - spec.min));
    case 'normal': {
      const max = spec.max ?? spec.mean + 4 * spec.stddev;
      const value = spec.mean + spec.stddev * standardNormal(seed, rule, seq, 'latency');
      return Math.round(Math.min(max, Math.max(0, value)));
    }
    case 'longtail': {
      // Log-normal: ln(delay) ~ N(mu, sigma) with e^mu = median and e^(mu + Z99·sigma) = p99.
      const mu = Math.log(spec.median);
      const sigma = Math.log(spec.p99 / spec.median) / Z99;
      const value = Math.exp(mu + sigma * standardNormal(seed, rule, seq, 'latency'));
      return Math.round(Math.min(spec.max ?? 2 * spec.p99, value));
    }
  }
}
