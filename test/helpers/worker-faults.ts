/**
 * The seeded worker faults a chaos scenario plans for a run's messages, worked out as the worker decides: what the
 * compare tests expect the emulator's DLQ and each vendor's retry figures to show.
 */
import { ChaosEngine } from '../../app/chaos/engine';
import { loadScenario } from '../../app/chaos/scenario';
import { chaosSeq, WORKER_ROUTE } from '../../app/notifications/delivery-seq';

/**
 * What the chaos scenario's `worker:notify` faults do to the messages of these seqs, worked out from the seed
 * exactly as the worker decides (app/notifications/delivery-seq.ts): redeliveries (a delivery failed and the
 * message came back) and messages whose every delivery failed (bound for the dead-letter queue).
 */
export function plannedWorkerFaults(
  scenario: string,
  seed: number,
  seqs: readonly number[],
  maxReceives: number,
): { redeliveries: number; deadLettered: number } {
  const engine = new ChaosEngine(loadScenario(scenario), seed);
  let redeliveries = 0;
  let deadLettered = 0;
  for (const seq of seqs) {
    for (let receive = 1; receive <= maxReceives; receive++) {
      const fails = engine.decide(WORKER_ROUTE, chaosSeq(seq, receive)!).some((d) => d.fault !== null);
      if (!fails) break;
      if (receive < maxReceives) redeliveries++;
      else deadLettered++;
    }
  }
  return { redeliveries, deadLettered };
}
