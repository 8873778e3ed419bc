/**
 * A tracing-week journal page, ready to paste into a homework repo: what was instrumented, how vendors are
 * switched, the verdict, the screenshots, and a checklist of what to capture in each real vendor's console.
 */
import { verdictTable } from './report';
import type { CompareResult } from './run';
import { HOMEWORK_VIEWS, type ScreenshotSet } from './screenshots';

/** The default sandbox's address: where the run's views are once `sandbox.ndjson` is imported into it. */
export const SANDBOX_UI = 'http://127.0.0.1:4400';

/** What to screenshot in each vendor's own console once real credentials are set. */
export const CONSOLE_CHECKLIST: Record<string, string> = {
  honeycomb:
    'Query `WHERE bakeoff.run_id = <run>` in the dataset, open a trace of `POST /api/activities`: the `chaos.latency` span and the `app.user_handle` attribute in the sidebar.',
  xray: 'CloudWatch → X-Ray traces → Trace map (activities → users), then a trace filtered by `annotation.bakeoff_run_id = "<run>"` with the subsegment timeline and the Annotations and Metadata tabs.',
  sentry:
    'Issues → the `ReplyWriteError` issue with its tags, and Explore → Traces → one trace showing both services.',
  rollbar:
    'Items → the `ReplyWriteError` item: its traceback, the `custom.bakeoff` block and the person (handle).',
  datadog:
    'APM → Traces, filter `@bakeoff.run_id:<run>`, open a flame graph with the users service; and the Service Map.',
  cloudwatch:
    'CloudWatch → Logs Insights on the log group: `fields @timestamp, message, trace_id | filter `bakeoff.run_id` = "<run>"`.',
  otlp: 'In your backend (Jaeger, Tempo, …): search service `activities` with tag `bakeoff.run_id=<run>`, open a trace of `GET /api/activities/home` with the users service under the `GET` span; and one request’s log lines linked to it.',
  'xray-otel':
    'CloudWatch → Transaction Search: spans with `attributes.bakeoff.run_id = "<run>"`; then X-Ray traces → one trace’s timeline (activities → users) and the Trace Map.',
};

/**
 * Per vendor, each homework view: its screenshot with the sandbox URL that reproduces it, or why the vendor's
 * data has no such view.
 */
export function screenshotSection(set: ScreenshotSet): string {
  if (!set.sideBySide && set.shots.length === 0) return '';
  const vendors = [...new Set([...set.shots, ...set.skipped].map((s) => s.vendor))];
  const lines = [
    '## Screenshots from the sandbox',
    '',
    'Every view below is a page of the local vendor sandbox at 1366×768. To open them yourself, start',
    `\`npx bakeoff sandbox\` and load this run: \`curl --data-binary @sandbox.ndjson ${SANDBOX_UI}/api/import\`.`,
  ];
  if (set.sideBySide)
    lines.push('', `### ${set.sideBySide.title}`, '', `![${set.sideBySide.title}](${set.sideBySide.file})`);
  for (const vendor of vendors) {
    lines.push('', `### ${vendor}`);
    for (const { view, label } of HOMEWORK_VIEWS) {
      const shot = set.shots.find((s) => s.vendor === vendor && s.view === view);
      const skipped = set.skipped.find((s) => s.vendor === vendor && s.view === view);
      if (shot)
        lines.push('', `**${label}** — <${SANDBOX_UI}/${shot.hash}>`, '', `![${shot.title}](${shot.file})`);
      else if (skipped) lines.push('', `**${label}** — not applicable: ${skipped.reason}.`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function writeupMarkdown(result: CompareResult, screenshots: ScreenshotSet): string {
  const vendors = Object.keys(result.vendors).filter((v) => v !== 'none');
  return `# Tracing week: one app, ${vendors.length} observability vendors

## What I instrumented

The activities API (home feed, user feed, create, reply, search) calls a separate users service for profiles,
so every request crosses a process boundary. Through one vendor-neutral facade the app records:

- a span per route handler (\`activities.home\`, \`activities.create\`, …) and per SQL statement (\`db.query\`
  with \`db.statement\`), and a client span for the users-service call (\`users.lookup\`);
- annotations the homework asks for: \`app.user_handle\`, \`app.now\`, \`app.result_length\`, and
  \`bakeoff.run_id\` / \`bakeoff.seq\` on every request's root span to find a request in any vendor;
- injected latency as its own \`chaos.latency\` span (\`chaos.delay_ms\`, \`chaos.rule\`), and injected faults as
  errors marked \`chaos.fault\`.

## Switching vendors

One environment variable, no code change:

\`\`\`sh
OBSERVABILITY=honeycomb npx bakeoff serve       # or xray, sentry, rollbar, datadog, cloudwatch, otlp, xray-otel, or a list
\`\`\`

With no vendor credentials set, every adapter reports to the local sandbox (UI on http://127.0.0.1:4400).

## Result

Run \`${result.runId}\`: ${result.requests} requests per vendor, seed ${result.seed}, chaos scenario
\`${result.scenario}\`, workload \`${result.workload}\`.

${verdictTable(result)}
${screenshotSection(screenshots)}
## Checklist for the real consoles

${vendors.map((v) => `- [ ] **${v}**: ${CONSOLE_CHECKLIST[v] ?? 'a trace of one request.'}`).join('\n')}
`;
}
