/**
 * The chaos engine: which latency and fault apply to a request. Holds the active scenario and seed, both
 * switchable at run time through the admin API; decisions are pure functions of (seed, rule, seq).
 */
import { delayFor } from './distributions';
import { uniform01 } from './random';
import type { ChaosRule, FaultSpec, Scenario } from './scenario';

export interface ChaosDecision {
  rule: string;
  /** Milliseconds to sleep, or null when the rule has no latency. */
  delayMs: number | null;
  /** The fault to raise, or null when this request is spared. */
  fault: FaultSpec | null;
}

export interface ChaosState {
  scenario: Scenario;
  seed: number;
}

export class ChaosEngine {
  private state: ChaosState;
  /** Requests without `x-bakeoff-seq` still get a reproducible sequence: their arrival order per route. */
  private readonly counters = new Map<string, number>();

  constructor(scenario: Scenario, seed: number) {
    this.state = { scenario, seed };
  }

  current(): Readonly<ChaosState> {
    return this.state;
  }

  set(next: Partial<ChaosState>): void {
    this.state = { ...this.state, ...next };
    this.counters.clear();
  }

  /** The sequence number to decide with: the client's `x-bakeoff-seq`, else this route's own counter. */
  seqFor(route: string, headerSeq: number | undefined): number {
    if (headerSeq !== undefined) return headerSeq;
    const next = (this.counters.get(route) ?? 0) + 1;
    this.counters.set(route, next);
    return next;
  }

  decide(route: string, seq: number): ChaosDecision[] {
    const { scenario, seed } = this.state;
    return scenario.rules.filter((rule) => rule.route === route).map((rule) => decideRule(rule, seed, seq));
  }

  usersAuthFails(seq: number): boolean {
    const { scenario, seed } = this.state;
    const rate = scenario.downstream.usersAuthFailureRate;
    return rate > 0 && uniform01(seed, 'downstream.users_auth', seq, 'fault') < rate;
  }
}

function decideRule(rule: ChaosRule, seed: number, seq: number): ChaosDecision {
  const delayMs = rule.latency ? delayFor(rule.latency, seed, rule.name, seq) : null;
  const fault = rule.fault && uniform01(seed, rule.name, seq, 'fault') < rule.fault.rate ? rule.fault : null;
  return { rule: rule.name, delayMs, fault };
}
