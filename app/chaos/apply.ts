/**
 * Applies the chaos engine's decision inside a route: every injected delay is its own `chaos.latency` span,
 * every injected fault marks the failing span with `chaos.fault` and raises a typed error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../http/errors';
import type { Telemetry } from '../telemetry/facade';
import type { ChaosDecision } from './engine';

/** An injected failure: its `name` is the scenario's exception type, so vendors group it under that name. */
export class InjectedFault extends HttpError {
  constructor(
    type: string,
    status: number,
    message: string,
    readonly rule: string,
  ) {
    super(status, message, { fault: rule });
    this.name = type;
  }
}

/** `rule=create-activity-sleep;delay_ms=123` (and `;fault=…`): what chaos did to this request, for clients. */
export function describeDecisions(decisions: readonly ChaosDecision[]): string {
  return decisions
    .map((d) => {
      const parts = [`rule=${d.rule}`];
      if (d.delayMs !== null) parts.push(`delay_ms=${d.delayMs}`);
      if (d.fault) parts.push(`fault=${d.fault.type}`);
      return parts.join(';');
    })
    .join(', ');
}

export async function applyChaos(decisions: readonly ChaosDecision[], telemetry: Telemetry): Promise<void> {
  for (const decision of decisions) {
    if (decision.delayMs !== null) {
      const delay = decision.delayMs;
      await telemetry.span(
        'chaos.latency',
        { attributes: { 'chaos.delay_ms': delay, 'chaos.rule': decision.rule } },
        () => sleep(delay),
      );
    }
    if (decision.fault) {
      telemetry.annotate('chaos.fault', decision.rule, 'span');
      telemetry.annotate('chaos.fault', decision.rule, 'root');
      const { type, status, message } = decision.fault;
      throw new InjectedFault(type, status, message, decision.rule);
    }
  }
}
