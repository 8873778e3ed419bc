/**
 * Reads the bakeoff correlation keys from any vendor's attribute bag. Both spellings are accepted:
 * `bakeoff.run_id`/`bakeoff.seq` (OTel, Datadog, Sentry, Rollbar, CloudWatch) and `bakeoff_run_id`/`bakeoff_seq`
 * (X-Ray annotation keys allow only letters, digits and underscores).
 */
export interface Correlation {
  runId: string | null;
  seq: number | null;
}

export function correlationOf(...bags: Array<Record<string, unknown> | undefined | null>): Correlation {
  let runId: string | null = null;
  let seq: number | null = null;
  for (const bag of bags) {
    if (!bag) continue;
    const run = bag['bakeoff.run_id'] ?? bag.bakeoff_run_id;
    const s = bag['bakeoff.seq'] ?? bag.bakeoff_seq;
    if (runId === null && run !== undefined && run !== null && String(run) !== '') runId = String(run);
    if (seq === null && s !== undefined && s !== null && Number.isFinite(Number(s))) seq = Number(s);
  }
  return { runId, seq };
}
