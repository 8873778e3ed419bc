/**
 * Applies the chaos engine's decision inside a route: every injected delay is its own `chaos.latency` span,
 * every injected fault marks the failing span with `chaos.fault` and raises a typed error.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpError } from '../http/errors';
import type { Telemetry } from '../telemetry/facade';
import type { ChaosEngine } from './engine';

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

export async function applyChaos(
  engine: ChaosEngine,
  telemetry: Telemetry,
  route: string,
  seq: number,
): Promise<void> {
  for (const decision of engine.decide(route, seq)) {
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
