/** The bench's public result shapes: `bench.json` is a `BenchReport`. */
import type { NoiseVerdict } from './noise';
import type { PairSample } from './paired';
import type { PinningPlan } from './pinning';

export interface BenchSettings {
  rounds: number;
  /** Seconds of the measured mixed-route phase per arm and round. */
  durationS: number;
  /** Seconds of mixed load sent first and discarded (JIT, connection pools, SDK start-up work). */
  warmupS: number;
  /** Seconds of the light-route-only phase per arm and round. */
  lightDurationS: number;
  connections: number;
  /**
   * Pairs of back-to-back light-route bursts, bare then none or none then bare, on both baselines running
   * side by side: the `none ÷ bare` estimate (harness/bench/paired.ts). 0 turns them off.
   */
  lightPairs: number;
  /** Seconds of each burst. */
  lightPairDurationS: number;
}

/** What one arm measured in one round. */
export interface RoundSample {
  round: number;
  /** Mixed phase. */
  rps: number;
  requests: number;
  p50Ms: number;
  p97_5Ms: number;
  p99Ms: number;
  /** Light-route-only phase. */
  lightRps: number;
  /** Both services' CPU over the light phase ÷ its requests. */
  lightCpuMsPerRequest: number | null;
  cpuMsPerRequest: number | null;
  rssMb: number | null;
  /** All requests the pair served (warm-up, mixed, light), the divisor of the byte figures. */
  servedRequests: number;
  vendorBytes: number;
  vendorPayloads: number;
  /** Bytes per vendor line from the drop-ack sandbox (e.g. `xray`, `xray-sampling`). */
  byVendor: Record<string, { payloads: number; bytes: number }>;
  problems: string[];
}

export interface ArmResult {
  name: string;
  rpsMedian: number | null;
  rpsMin: number | null;
  rpsMax: number | null;
  p50Ms: number | null;
  p97_5Ms: number | null;
  p99Ms: number | null;
  cpuMsPerRequest: number | null;
  rssMb: number | null;
  bytesPerRequest: number | null;
  payloadsPerRequest: number | null;
  lightRpsMedian: number | null;
  lightCpuMsPerRequest: number | null;
  /** rpsMedian ÷ the `none` arm's (null without a `none` arm). */
  ratioToNone: number | null;
  ratioToBare: number | null;
  lightRatioToNone: number | null;
  lightRatioToBare: number | null;
  /** False when any round saw a connection error, a timeout, a non-2xx answer or a failed start/stop. */
  valid: boolean;
  invalidReasons: string[];
  rounds: RoundSample[];
}

export interface BenchReport {
  machine: {
    cpus: number;
    model: string;
    node: string;
    os: string;
    memoryGb: number;
    /** 1-minute load average when the bench started and ended: other work on the machine skews every figure. */
    loadAverage: { start: number; end: number };
  };
  /** The light-route `none ÷ bare` from the paired bursts, and whether it means anything (and why not). */
  noise: NoiseVerdict;
  /** The paired bursts themselves (empty without both baselines). */
  lightPairs: PairSample[];
  command: string;
  startedAt: string;
  settings: BenchSettings & { pinning: PinningPlan; routes: { light: string; mix: string[] } };
  skipped: Array<{ name: string; reason: string }>;
  arms: ArmResult[];
}
