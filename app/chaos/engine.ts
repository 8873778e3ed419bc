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

/** What `decide` returns for a route no rule names: shared, so chaos off allocates nothing per request. */
const NO_DECISIONS: readonly ChaosDecision[] = Object.freeze([]);

export class ChaosEngine {
  private state: ChaosState;
  /** The scenario's rules by route, built when the scenario changes, so a request's lookup is one `get`. */
  private rulesByRoute: Map<string, ChaosRule[]>;
  /** Requests without `x-bakeoff-seq` still get a reproducible sequence: their arrival order per route. */
  private readonly counters = new Map<string, number>();

  constructor(scenario: Scenario, seed: number) {
    this.state = { scenario, seed };
    this.rulesByRoute = indexRules(scenario);
  }

  current(): Readonly<ChaosState> {
    return this.state;
  }

  set(next: Partial<ChaosState>): void {
    this.state = { ...this.state, ...next };
    this.rulesByRoute = indexRules(this.state.scenario);
    this.counters.clear();
  }

  /** The sequence number to decide with: the client's `x-bakeoff-seq`, else this route's own counter. */
  seqFor(route: string, headerSeq: number | undefined): number {
    if (headerSeq !== undefined) return headerSeq;
    const next = (this.counters.get(route) ?? 0) + 1;
    this.counters.set(route, next);
    return next;
  }

  /** The scenario's decisions for this request, in rule order; empty when no rule names the route. */
  decide(route: string, seq: number): readonly ChaosDecision[] {
    const rules = this.rulesByRoute.get(route);
    if (rules === undefined) return NO_DECISIONS;
    return rules.map((rule) => decideRule(rule, this.state.seed, seq));
  }

  usersAuthFails(seq: number): boolean {
    const { scenario, seed } = this.state;
    const rate = scenario.downstream.usersAuthFailureRate;
    return rate > 0 && uniform01(seed, 'downstream.users_auth', seq, 'fault') < rate;
  }
}

function indexRules(scenario: Scenario): Map<string, ChaosRule[]> {
  const byRoute = new Map<string, ChaosRule[]>();
  for (const rule of scenario.rules) {
    const list = byRoute.get(rule.route);
    if (list) list.push(rule);
    else byRoute.set(rule.route, [rule]);
  }
  return byRoute;
}

function decideRule(rule: ChaosRule, seed: number, seq: number): ChaosDecision {
  const delayMs = rule.latency ? delayFor(rule.latency, seed, rule.name, seq) : null;
  const fault = rule.fault && uniform01(seed, rule.name, seq, 'fault') < rule.fault.rate ? rule.fault : null;
  return { rule: rule.name, delayMs, fault };
}
